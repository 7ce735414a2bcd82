using System.Text.Json;

namespace Laevitas.Feed;

/// <summary>
/// Reads a Deribit JSON-RPC message exactly once with <see cref="Utf8JsonReader"/>: finds <c>method</c>,
/// <c>params.channel</c>, <c>params.data</c> (and inside it <c>instrument_name</c> and <c>timestamp</c>), or
/// <c>id</c>/<c>result</c>/<c>error</c> of a response, in whatever order the properties come. No strings are
/// built for the common case and nothing is split; the caller slices the payload bytes out of its buffer.
/// </summary>
internal static class DeribitFrameParser
{
    private enum Method
    {
        None,
        Subscription,
        Heartbeat,
        Other,
    }

    /// <summary>What a subscription notification's channel carries, from its prefix.</summary>
    private enum ChannelType
    {
        Other,
        Ticker,
        Trades,
        InstrumentState,
        Index,
    }

    public static ParsedFrame Parse(ReadOnlySpan<byte> message)
    {
        var frame = default(ParsedFrame);
        try
        {
            ParseCore(message, ref frame);
        }
        catch (JsonException)
        {
            Fail(ref frame, FrameProblem.InvalidJson);
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader getters throw this on a token of the wrong type; we check types first, but a bad
            // message must never escape as an exception.
            Fail(ref frame, FrameProblem.WrongType);
        }

        return frame;
    }

    private static void ParseCore(ReadOnlySpan<byte> message, ref ParsedFrame frame)
    {
        var reader = new Utf8JsonReader(message, isFinalBlock: true, state: default);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            Fail(ref frame, FrameProblem.NotAnObject);
            return;
        }

        var method = Method.None;
        var hasParams = false;
        var hasChannel = false;
        var channelType = ChannelType.Other;
        var dataIsObject = false;
        var dataIsArray = false;
        var hasData = false;
        var hasName = false;
        var hasTimestamp = false;
        var wrongType = false;
        var heartbeatType = Method.None; // reuse: Subscription = test_request, Heartbeat = heartbeat, Other = anything else
        var hasResult = false;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("method"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    wrongType = true;
                    SkipValue(ref reader);
                    continue;
                }

                method = reader.ValueTextEquals("subscription"u8) ? Method.Subscription
                    : reader.ValueTextEquals("heartbeat"u8) ? Method.Heartbeat
                    : Method.Other;
            }
            else if (reader.ValueTextEquals("params"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    wrongType = true;
                    SkipValue(ref reader);
                    continue;
                }

                hasParams = true;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("channel"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            hasChannel = true;
                            channelType = TypeOf(reader.ValueSpan);
                            if (reader.ValueIsEscaped)
                            {
                                frame.EscapedChannel = reader.GetString();
                                channelType = TypeOf(frame.EscapedChannel!);
                            }
                            else
                            {
                                frame.ChannelStart = (int)reader.TokenStartIndex + 1;
                                frame.ChannelLength = reader.ValueSpan.Length;
                                frame.EscapedChannel = null;
                            }
                        }
                        else
                        {
                            wrongType = true;
                            SkipValue(ref reader);
                        }
                    }
                    else if (reader.ValueTextEquals("data"u8))
                    {
                        reader.Read();
                        hasData = true;
                        frame.DataStart = (int)reader.TokenStartIndex;
                        if (reader.TokenType == JsonTokenType.StartObject)
                        {
                            dataIsObject = true;
                            ReadData(ref reader, ref frame, ref hasName, ref hasTimestamp, ref wrongType);
                        }
                        else
                        {
                            // A trades notification's array is only delimited here; the splitter reads its trades.
                            dataIsArray = reader.TokenType == JsonTokenType.StartArray;
                            SkipValue(ref reader);
                        }

                        frame.DataLength = (int)reader.BytesConsumed - frame.DataStart;
                    }
                    else if (reader.ValueTextEquals("type"u8))
                    {
                        reader.Read();
                        heartbeatType = reader.TokenType != JsonTokenType.String ? Method.Other
                            : reader.ValueTextEquals("test_request"u8) ? Method.Subscription
                            : reader.ValueTextEquals("heartbeat"u8) ? Method.Heartbeat
                            : Method.Other;
                        SkipValue(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        SkipValue(ref reader);
                    }
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var id))
                {
                    frame.HasId = true;
                    frame.Id = id;
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                reader.Read();
                hasResult = true;
                frame.ResultStart = (int)reader.TokenStartIndex;
                SkipValue(ref reader);
                frame.ResultLength = (int)reader.BytesConsumed - frame.ResultStart;
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                frame.HasError = true;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadError(ref reader, ref frame);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
            else
            {
                reader.Read();
                SkipValue(ref reader);
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.CurrentDepth != 0)
        {
            Fail(ref frame, FrameProblem.InvalidJson);
            return;
        }

        // Anything after the closing brace other than whitespace is a broken message; Read throws on it.
        if (reader.Read())
        {
            Fail(ref frame, FrameProblem.InvalidJson);
            return;
        }

        Classify(ref frame, method, hasParams, hasChannel, channelType, hasData, dataIsObject, dataIsArray, hasName, hasTimestamp,
            wrongType, heartbeatType, hasResult);
    }

    private static void Classify(ref ParsedFrame frame, Method method, bool hasParams, bool hasChannel, ChannelType channelType,
        bool hasData, bool dataIsObject, bool dataIsArray, bool hasName, bool hasTimestamp, bool wrongType, Method heartbeatType, bool hasResult)
    {
        switch (method)
        {
            case Method.Subscription:
                if (!hasParams || !hasChannel || !hasData)
                {
                    Fail(ref frame, wrongType ? FrameProblem.WrongType : FrameProblem.MissingField);
                }
                else if (channelType == ChannelType.InstrumentState)
                {
                    // Its data names instrument and state; InstrumentStateParser reads them (rare, not on the tick path).
                    if (dataIsObject && !wrongType)
                    {
                        frame.Kind = FrameKind.InstrumentState;
                    }
                    else
                    {
                        Fail(ref frame, FrameProblem.WrongType);
                    }
                }
                else if (channelType == ChannelType.Index)
                {
                    // Its data is a small object whose fields depend on the channel; IndexValueParser reads them.
                    if (dataIsObject && !wrongType)
                    {
                        frame.Kind = FrameKind.IndexValue;
                    }
                    else
                    {
                        Fail(ref frame, FrameProblem.WrongType);
                    }
                }
                else if (channelType == ChannelType.Trades)
                {
                    if (dataIsArray)
                    {
                        frame.Kind = FrameKind.Trades;
                    }
                    else
                    {
                        Fail(ref frame, FrameProblem.WrongType);
                    }
                }
                else if (channelType != ChannelType.Ticker)
                {
                    Fail(ref frame, FrameProblem.UnknownChannel);
                }
                else if (wrongType || !dataIsObject)
                {
                    Fail(ref frame, FrameProblem.WrongType);
                }
                else if (!hasName || !hasTimestamp)
                {
                    Fail(ref frame, FrameProblem.MissingField);
                }
                else
                {
                    frame.Kind = FrameKind.Tick;
                }

                return;
            case Method.Heartbeat:
                if (heartbeatType == Method.Subscription)
                {
                    frame.Kind = FrameKind.TestRequest;
                }
                else if (heartbeatType == Method.Heartbeat)
                {
                    frame.Kind = FrameKind.Heartbeat;
                }
                else
                {
                    Fail(ref frame, heartbeatType == Method.None ? FrameProblem.MissingField : FrameProblem.WrongType);
                }

                return;
            case Method.Other:
                Fail(ref frame, FrameProblem.UnknownMethod);
                return;
            default:
                // An error may come without an id: the exchange rejects an oversized request before reading it.
                if ((frame.HasId && hasResult) || frame.HasError)
                {
                    frame.Kind = FrameKind.Response;
                }
                else
                {
                    Fail(ref frame, wrongType ? FrameProblem.WrongType : FrameProblem.MissingField);
                }

                return;
        }
    }

    /// <summary>Walks the data object's own properties; nested objects (greeks, stats) are skipped, not read.</summary>
    private static void ReadData(ref Utf8JsonReader reader, ref ParsedFrame frame, ref bool hasName, ref bool hasTimestamp, ref bool wrongType)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("instrument_name"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    hasName = true;
                    if (reader.ValueIsEscaped)
                    {
                        frame.EscapedName = reader.GetString();
                    }
                    else
                    {
                        // For a string token taken from a single span, the value starts one byte after the quote.
                        frame.NameStart = (int)reader.TokenStartIndex + 1;
                        frame.NameLength = reader.ValueSpan.Length;
                        frame.EscapedName = null;
                    }
                }
                else
                {
                    wrongType = true;
                    SkipValue(ref reader);
                }
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var timestamp))
                {
                    hasTimestamp = true;
                    frame.Timestamp = timestamp;
                }
                else
                {
                    wrongType = true;
                    SkipValue(ref reader);
                }
            }
            else
            {
                reader.Read();
                SkipValue(ref reader);
            }
        }
    }

    private static void ReadError(ref Utf8JsonReader reader, ref ParsedFrame frame)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var code))
                {
                    frame.ErrorCode = code;
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                frame.ErrorMessage = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                SkipValue(ref reader);
            }
            else
            {
                reader.Read();
                SkipValue(ref reader);
            }
        }
    }

    /// <summary>Positions the reader on the last token of the current value (no-op for primitives).</summary>
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }
    }

    // The unescaped name of a channel sent with JSON escapes (rare): the same prefixes, without encoding it again.
    private static ChannelType TypeOf(string channel) =>
        channel.StartsWith("ticker.", StringComparison.Ordinal) ? ChannelType.Ticker
        : channel.StartsWith("trades.", StringComparison.Ordinal) ? ChannelType.Trades
        : channel.StartsWith("instrument.state.", StringComparison.Ordinal) ? ChannelType.InstrumentState
        : channel.StartsWith(DeribitIndexes.PriceChannelPrefix, StringComparison.Ordinal)
          || channel.StartsWith(DeribitIndexes.VolatilityChannelPrefix, StringComparison.Ordinal)
          || channel.StartsWith(DeribitIndexes.EstimatedExpirationChannelPrefix, StringComparison.Ordinal) ? ChannelType.Index
        : ChannelType.Other;

    private static ChannelType TypeOf(ReadOnlySpan<byte> channel) =>
        channel.StartsWith("ticker."u8) ? ChannelType.Ticker
        : channel.StartsWith("trades."u8) ? ChannelType.Trades
        : channel.StartsWith("instrument.state."u8) ? ChannelType.InstrumentState
        : channel.StartsWith("deribit_price_index."u8) || channel.StartsWith("deribit_volatility_index."u8)
          || channel.StartsWith("estimated_expiration_price."u8) ? ChannelType.Index
        : ChannelType.Other;

    private static void Fail(ref ParsedFrame frame, FrameProblem problem)
    {
        frame.Kind = FrameKind.Unusable;
        frame.Problem = problem;
    }
}

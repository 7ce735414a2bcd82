using System.Text.Json;
using Laevitas.Grains.Abstractions.Trades;

namespace Laevitas.Feed;

/// <summary>
/// Splits the <c>data</c> array of a <c>trades.*</c> notification into one <see cref="RawTrade"/> per trade: each
/// trade object's bytes copied out as received (nested values such as a combo trade's <c>legs</c> included), and
/// only <c>instrument_name</c>, <c>trade_id</c>, <c>trade_seq</c> and <c>timestamp</c> read — what routing to the
/// instrument's grain and deduplication need. One array may hold trades of several instruments (a kind/currency
/// channel aggregates the market over the interval).
/// </summary>
/// <remarks>
/// A trade that cannot be used (not an object, no instrument name, trade id or timestamp, a field of the wrong type)
/// is left out and reported; the array's other trades still go on, so one bad element never costs its neighbours.
/// Trades come at a small fraction of the ticker rate, so the few strings per trade are simply allocated.
/// </remarks>
internal static class TradeSplitter
{
    /// <summary>
    /// Appends the usable trades of <paramref name="data"/> (the array, brackets included) to <paramref name="trades"/>;
    /// returns how many elements were unusable, and the first one's problem.
    /// </summary>
    public static int Split(ReadOnlySpan<byte> data, long receivedAtMs, List<RawTrade> trades, out FrameProblem firstProblem)
    {
        firstProblem = FrameProblem.None;
        var unusable = 0;
        try
        {
            var reader = new Utf8JsonReader(data, isFinalBlock: true, state: default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                firstProblem = FrameProblem.WrongType;
                return 1;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }

                    Unusable(FrameProblem.WrongType, ref unusable, ref firstProblem);
                    continue;
                }

                var problem = ReadTrade(ref reader, out var name, out var tradeId, out var tradeSeq, out var timestamp);
                if (problem != FrameProblem.None)
                {
                    // ReadTrade stops at the first problem; move past the rest of this object.
                    while (reader.CurrentDepth > 1 || reader.TokenType != JsonTokenType.EndObject)
                    {
                        if (!reader.Read())
                        {
                            throw new JsonException("truncated");
                        }
                    }

                    Unusable(problem, ref unusable, ref firstProblem);
                    continue;
                }

                var payload = data[start..(int)reader.BytesConsumed].ToArray();
                trades.Add(new RawTrade(name!, tradeId!, tradeSeq, timestamp, receivedAtMs, payload));
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // The frame parser already read the whole message as valid JSON, so this is a wrong-typed token at most.
            Unusable(FrameProblem.InvalidJson, ref unusable, ref firstProblem);
        }

        return unusable;
    }

    private static FrameProblem ReadTrade(ref Utf8JsonReader reader, out string? name, out string? tradeId, out long? tradeSeq, out long timestamp)
    {
        name = null;
        tradeId = null;
        tradeSeq = null;
        timestamp = 0;
        var hasTimestamp = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("instrument_name"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length == 0)
                {
                    return FrameProblem.WrongType;
                }

                name = reader.GetString();
            }
            else if (reader.ValueTextEquals("trade_id"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length == 0)
                {
                    return FrameProblem.WrongType;
                }

                tradeId = reader.GetString();
            }
            else if (reader.ValueTextEquals("trade_seq"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var seq))
                {
                    return FrameProblem.WrongType;
                }

                tradeSeq = seq;
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out timestamp))
                {
                    return FrameProblem.WrongType;
                }

                hasTimestamp = true;
            }
            else
            {
                reader.Read();
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
        }

        return name is null || tradeId is null || !hasTimestamp ? FrameProblem.MissingField : FrameProblem.None;
    }

    private static void Unusable(FrameProblem problem, ref int unusable, ref FrameProblem firstProblem)
    {
        if (unusable++ == 0)
        {
            firstProblem = problem;
        }
    }
}

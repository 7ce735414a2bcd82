using System.Net.WebSockets;
using System.Text.Json;
using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>
/// Answers JSON-RPC requests as Deribit does. Requests are rare next to ticks, so clarity wins over speed here
/// (a <see cref="JsonDocument"/> per request).
/// </summary>
internal sealed class RequestHandler(SimulatorExchange exchange)
{
    private const string ApiVersion = "1.2.26";

    private static readonly string[] KnownCurrencies = ["BTC", "ETH", "USDC", "USDT", "EURR", "any"];
    private static readonly string[] KnownKinds = ["future", "option", "spot", "future_combo", "option_combo"];

    public async ValueTask HandleAsync(SimulatorConnection connection, ReadOnlyMemory<byte> message, bool tooLarge, long usIn)
    {
        exchange.OnRequest();
        if (exchange.Faults.TryConsumeRejection())
        {
            await EndWithTooManyRequestsAsync(connection, TryReadId(message.Span), usIn).ConfigureAwait(false);
            return;
        }

        if (tooLarge)
        {
            // The exchange rejects an oversized frame before parsing it: the error carries no id.
            await ErrorAsync(connection, null, usIn, RpcError.EntityTooLarge).ConfigureAwait(false);
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException)
        {
            await ErrorAsync(connection, null, usIn, RpcError.ParseError).ConfigureAwait(false);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            JsonElement? id = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var idElement) ? idElement : null;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("method", out var methodElement)
                || methodElement.ValueKind != JsonValueKind.String)
            {
                await ErrorAsync(connection, id, usIn, new RpcError(-32600, "Invalid Request")).ConfigureAwait(false);
                return;
            }

            if (!exchange.RateLimits.TryTakeRequestCredits(connection.ClientKey))
            {
                await EndWithTooManyRequestsAsync(connection, id, usIn).ConfigureAwait(false);
                return;
            }

            var parameters = root.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            var method = methodElement.GetString()!;
            await DispatchAsync(connection, method, id, parameters, usIn).ConfigureAwait(false);
        }
    }

    private async ValueTask DispatchAsync(SimulatorConnection connection, string method, JsonElement? id, JsonElement parameters, long usIn)
    {
        switch (method)
        {
            case "public/get_instruments":
                await GetInstrumentsAsync(connection, id, parameters, usIn).ConfigureAwait(false);
                break;
            case "public/get_delivery_prices":
                await GetDeliveryPricesAsync(connection, id, parameters, usIn).ConfigureAwait(false);
                break;
            case "public/subscribe":
                await SubscribeAsync(connection, id, parameters, usIn, subscribe: true, isPrivate: false).ConfigureAwait(false);
                break;
            case "private/subscribe":
                await SubscribeAsync(connection, id, parameters, usIn, subscribe: true, isPrivate: true).ConfigureAwait(false);
                break;
            case "public/unsubscribe":
                await SubscribeAsync(connection, id, parameters, usIn, subscribe: false, isPrivate: false).ConfigureAwait(false);
                break;
            case "private/unsubscribe":
                await SubscribeAsync(connection, id, parameters, usIn, subscribe: false, isPrivate: true).ConfigureAwait(false);
                break;
            case "public/unsubscribe_all":
            case "private/unsubscribe_all":
                foreach (var channel in connection.ChannelsSnapshot()) Unsubscribe(connection, channel);
                await ResultAsync(connection, id, usIn, static w => w.WriteStringValue("ok")).ConfigureAwait(false);
                break;
            case "public/set_heartbeat":
                await SetHeartbeatAsync(connection, id, parameters, usIn).ConfigureAwait(false);
                break;
            case "public/disable_heartbeat":
                connection.StopHeartbeat();
                await ResultAsync(connection, id, usIn, static w => w.WriteStringValue("ok")).ConfigureAwait(false);
                break;
            case "public/test":
                connection.OnTestReceived();
                await ResultAsync(connection, id, usIn, static w =>
                {
                    w.WriteStartObject();
                    w.WriteString("version", ApiVersion);
                    w.WriteEndObject();
                }).ConfigureAwait(false);
                break;
            case "public/hello":
                await ResultAsync(connection, id, usIn, static w =>
                {
                    w.WriteStartObject();
                    w.WriteString("version", ApiVersion);
                    w.WriteEndObject();
                }).ConfigureAwait(false);
                break;
            case "public/get_time":
                {
                    // The exchange's clock (SimulatorOptions.Clock), like every timestamp it sends.
                    var now = exchange.Options.Clock.GetUtcNow().ToUnixTimeMilliseconds();
                    await ResultAsync(connection, id, usIn, w => w.WriteNumberValue(now)).ConfigureAwait(false);
                }

                break;
            case "public/auth":
                await AuthAsync(connection, id, parameters, usIn).ConfigureAwait(false);
                break;
            default:
                await ErrorAsync(connection, id, usIn, RpcError.MethodNotFound).ConfigureAwait(false);
                break;
        }
    }

    private async ValueTask GetInstrumentsAsync(SimulatorConnection connection, JsonElement? id, JsonElement parameters, long usIn)
    {
        if (!TryGetString(parameters, "currency", out var currency))
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("currency", "must be present")).ConfigureAwait(false);
            return;
        }

        if (!KnownCurrencies.Contains(currency, StringComparer.Ordinal))
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("currency", "wrong format")).ConfigureAwait(false);
            return;
        }

        string? kind = null;
        if (parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("kind", out var kindElement) && kindElement.ValueKind != JsonValueKind.Null)
        {
            kind = kindElement.ValueKind == JsonValueKind.String ? kindElement.GetString() : null;
            if (kind is null || !KnownKinds.Contains(kind, StringComparer.Ordinal))
            {
                await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("kind", "wrong format")).ConfigureAwait(false);
                return;
            }
        }

        var expired = false;
        if (parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("expired", out var expiredElement))
        {
            if (expiredElement.ValueKind is JsonValueKind.True or JsonValueKind.False) expired = expiredElement.GetBoolean();
            else if (expiredElement.ValueKind == JsonValueKind.String && bool.TryParse(expiredElement.GetString(), out var parsed)) expired = parsed;
            else
            {
                await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("expired", "wrong format")).ConfigureAwait(false);
                return;
            }
        }

        var source = expired ? exchange.Universe.Expired : exchange.Universe.Active;
        var selected = source
            .Where(i => currency == "any" || i.SettlementCurrency == currency)
            .Where(i => kind is null || i.KindName == kind)
            .OrderBy(i => i.InstrumentId)
            .ToList();
        await ResultAsync(connection, id, usIn, w => InstrumentWriter.WriteList(w, selected, isActive: !expired)).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>{"data":[{"date":"2020-01-02","delivery_price":7131.21},…],"records_total":58}</c>, newest first, paged by
    /// offset (default 0) and count (default 10, as documented). An index the exchange does not have is refused like an
    /// unknown currency of get_instruments (-32602 "Invalid params", reason "wrong format"); the simulator takes counts of
    /// 1..1000 and refuses others the same way.
    /// </summary>
    private async ValueTask GetDeliveryPricesAsync(SimulatorConnection connection, JsonElement? id, JsonElement parameters, long usIn)
    {
        if (!TryGetString(parameters, "index_name", out var indexName))
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("index_name", "must be present")).ConfigureAwait(false);
            return;
        }

        var history = exchange.DeliveryPrices;
        if (!history.IsKnown(indexName))
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("index_name", "wrong format")).ConfigureAwait(false);
            return;
        }

        if (!TryGetInteger(parameters, "offset", 0, out var offset) || offset < 0)
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("offset", "wrong format")).ConfigureAwait(false);
            return;
        }

        if (!TryGetInteger(parameters, "count", 10, out var count) || count is < 1 or > 1000)
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("count", "wrong format")).ConfigureAwait(false);
            return;
        }

        var total = history.Count;
        var page = history.Page(indexName, offset, (int)count);
        await ResultAsync(connection, id, usIn, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            foreach (var entry in page)
            {
                w.WriteStartObject();
                w.WriteString("date", entry.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteNumber("delivery_price", entry.DeliveryPrice);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNumber("records_total", total);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async ValueTask SubscribeAsync(SimulatorConnection connection, JsonElement? id, JsonElement parameters, long usIn, bool subscribe, bool isPrivate)
    {
        if (isPrivate && !connection.IsAuthenticated)
        {
            await ErrorAsync(connection, id, usIn, RpcError.Unauthorized).ConfigureAwait(false);
            return;
        }

        if (parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("channels", out var channelsElement)
            || channelsElement.ValueKind != JsonValueKind.Array)
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("channels", "value must be a list")).ConfigureAwait(false);
            return;
        }

        if (channelsElement.GetArrayLength() > exchange.Options.Limits.MaxChannelsPerSubscribe)
        {
            // Same answer as an oversized frame (which is what so many channels amount to on the exchange): no id.
            await ErrorAsync(connection, null, usIn, RpcError.EntityTooLarge).ConfigureAwait(false);
            return;
        }

        if (!exchange.RateLimits.TryTakeSubscribe(connection.ClientKey))
        {
            await EndWithTooManyRequestsAsync(connection, id, usIn).ConfigureAwait(false);
            return;
        }

        var requested = new List<string>(channelsElement.GetArrayLength());
        foreach (var element in channelsElement.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("channels", "wrong format")).ConfigureAwait(false);
                return;
            }

            requested.Add(element.GetString()!);
        }

        var done = new List<string>(requested.Count);
        if (subscribe)
        {
            // Raw (unaggregated) ticker channels are only for authorized connections.
            if (!connection.IsAuthenticated && requested.Any(c =>
                    (ChannelName.TryParseTicker(c, out _, out var interval) && interval == "raw")
                    || (ChannelName.TryParseTrades(c, out var trades) && trades.Interval == "raw")))
            {
                await ErrorAsync(connection, id, usIn, RpcError.RawUnauthorized).ConfigureAwait(false);
                return;
            }

            var tickers = new List<(string Instrument, string Channel)>(requested.Count);
            foreach (var channel in requested)
            {
                if (ChannelName.TryParseTicker(channel, out var instrument, out _)) tickers.Add((instrument, channel));
            }

            // Like the exchange, channels it cannot serve are silently left out of the result.
            var served = new HashSet<string>(exchange.Registry.Subscribe(connection, tickers), StringComparer.Ordinal);
            foreach (var channel in requested)
            {
                // instrument.state channels live on the connection alone: listings are rare, InstrumentStateNotifier scans.
                if (served.Contains(channel) || channel == ChannelName.PlatformState || ChannelName.TryParseInstrumentState(channel, out _)
                    || IsServedIndexChannel(channel)
                    || exchange.TradeSubscriptions.Subscribe(connection, channel))
                {
                    connection.AddChannel(channel);
                    done.Add(channel);
                }
            }
        }
        else
        {
            foreach (var channel in requested)
            {
                if (Unsubscribe(connection, channel)) done.Add(channel);
            }
        }

        await ResultAsync(connection, id, usIn, w =>
        {
            w.WriteStartArray();
            foreach (var channel in done) w.WriteStringValue(channel);
            w.WriteEndArray();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// An index channel of an index the market has (index channels, like instrument.state, live on the connection alone;
    /// IndexPublisher scans them). DVOL only for btc_usd and eth_usd, the two Deribit computes it for.
    /// </summary>
    private bool IsServedIndexChannel(string channel) =>
        ChannelName.TryParseIndex(channel, out var kind, out var indexName)
        && exchange.Market.Find(indexName) is not null
        && (kind != Indexes.IndexPublisher.VolatilityChannel || indexName is "btc_usd" or "eth_usd");

    private bool Unsubscribe(SimulatorConnection connection, string channel)
    {
        if (!connection.RemoveChannel(channel)) return false;
        if (ChannelName.TryParseTicker(channel, out var instrument, out _))
        {
            exchange.Registry.Unsubscribe(connection, instrument, channel);
        }
        else
        {
            exchange.TradeSubscriptions.Unsubscribe(connection, channel);
        }

        return true;
    }

    private async ValueTask SetHeartbeatAsync(SimulatorConnection connection, JsonElement? id, JsonElement parameters, long usIn)
    {
        if (parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("interval", out var intervalElement)
            || intervalElement.ValueKind != JsonValueKind.Number)
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("interval", "must be present")).ConfigureAwait(false);
            return;
        }

        var interval = intervalElement.GetDouble();
        var floor = exchange.Options.AllowShortHeartbeat ? 0.1 : exchange.Options.Limits.MinHeartbeatIntervalSeconds;
        if (interval < floor)
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("interval", $"must be greater or equal to {floor:0.###}")).ConfigureAwait(false);
            return;
        }

        connection.StartHeartbeat(TimeSpan.FromSeconds(interval));
        await ResultAsync(connection, id, usIn, static w => w.WriteStringValue("ok")).ConfigureAwait(false);
    }

    private async ValueTask AuthAsync(SimulatorConnection connection, JsonElement? id, JsonElement parameters, long usIn)
    {
        if (!TryGetString(parameters, "grant_type", out var grantType))
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("grant_type", "must be present")).ConfigureAwait(false);
            return;
        }

        string? clientId = null;
        switch (grantType)
        {
            case "client_credentials":
                if (TryGetString(parameters, "client_id", out var candidateId)
                    && TryGetString(parameters, "client_secret", out var secret)
                    && exchange.Options.Credentials.Any(c => c.ClientId == candidateId && c.ClientSecret == secret))
                {
                    clientId = candidateId;
                }

                break;
            case "client_signature":
                clientId = ClientSignature.Verify(parameters, exchange.Options.Credentials);
                break;
            case "refresh_token":
                if (TryGetString(parameters, "refresh_token", out var refresh))
                {
                    clientId = exchange.ClientIdForRefreshToken(refresh);
                }

                break;
            default:
                await ErrorAsync(connection, id, usIn, RpcError.InvalidParams("grant_type", "wrong format")).ConfigureAwait(false);
                return;
        }

        if (clientId is null)
        {
            await ErrorAsync(connection, id, usIn, RpcError.InvalidCredentials).ConfigureAwait(false);
            return;
        }

        connection.IsAuthenticated = true;
        connection.ClientId = clientId;
        var accessToken = "sim-access-" + Guid.NewGuid().ToString("N");
        var refreshToken = exchange.IssueRefreshToken(clientId);
        await ResultAsync(connection, id, usIn, w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", accessToken);
            w.WriteNumber("expires_in", 31_536_000);
            w.WriteString("refresh_token", refreshToken);
            w.WriteString("scope", "connection mainaccount");
            w.WriteString("token_type", "bearer");
            w.WriteStartArray("enabled_features");
            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async ValueTask EndWithTooManyRequestsAsync(SimulatorConnection connection, JsonElement? id, long usIn)
    {
        exchange.OnRateLimited(connection);
        await ErrorAsync(connection, id, usIn, RpcError.TooManyRequests).ConfigureAwait(false);
        connection.EndSession(WebSocketCloseStatus.PolicyViolation, "too_many_requests");
    }

    private ValueTask ResultAsync(SimulatorConnection connection, JsonElement? id, long usIn, Action<Utf8JsonWriter> result)
    {
        RpcWriter.WriteResult(connection.Frames.Begin(), id, usIn, exchange.Options.Testnet, result);
        return SendAsync(connection, connection.Frames.Finish());
    }

    private ValueTask ErrorAsync(SimulatorConnection connection, JsonElement? id, long usIn, RpcError error)
    {
        RpcWriter.WriteError(connection.Frames.Begin(), id, usIn, exchange.Options.Testnet, error);
        return SendAsync(connection, connection.Frames.Finish());
    }

    private static async ValueTask SendAsync(SimulatorConnection connection, OutboundFrame frame)
    {
        if (connection.TryEnqueue(frame)) return;
        if (!await connection.EnqueueAsync(frame).ConfigureAwait(false))
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(frame.Buffer!);
        }
    }

    private static bool TryGetString(JsonElement parameters, string name, out string value)
    {
        value = "";
        if (parameters.ValueKind != JsonValueKind.Object || !parameters.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString()!;
        return true;
    }

    /// <summary>An integer parameter (a JSON number, or a string of digits as query strings send); absent ⇒ <paramref name="fallback"/>.</summary>
    private static bool TryGetInteger(JsonElement parameters, string name, long fallback, out long value)
    {
        value = fallback;
        if (parameters.ValueKind != JsonValueKind.Object || !parameters.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out value),
            JsonValueKind.String => long.TryParse(element.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }

    /// <summary>
    /// Finds a top-level <c>"id"</c> in a message that may be cut short (an oversized request is only read up to the
    /// limit), so even a rejected request's error carries its id.
    /// </summary>
    private static JsonElement? TryReadId(ReadOnlySpan<byte> message)
    {
        var reader = new Utf8JsonReader(message, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("id"u8))
                {
                    if (!reader.Read()) return null;
                    if (reader.TokenType is JsonTokenType.Number or JsonTokenType.String)
                    {
                        using var doc = JsonDocument.Parse(reader.ValueSpan.Length > 0 && reader.TokenType == JsonTokenType.String
                            ? JsonSerializer.SerializeToUtf8Bytes(reader.GetString())
                            : reader.ValueSpan.ToArray());
                        return doc.RootElement.Clone();
                    }

                    return null;
                }

                if (reader.CurrentDepth == 1 && reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && !reader.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}

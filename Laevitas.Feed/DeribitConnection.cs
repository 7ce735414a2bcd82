using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace Laevitas.Feed;

/// <summary>
/// One ticker connection: owns a share of the channels and keeps them subscribed for as long as the feed runs.
/// Each session sets the heartbeat, authenticates when credentials are configured, then reconciles the wanted
/// channels with the confirmed ones (in paced calls of limited size). When the session dies it reconnects with
/// exponential backoff and jitter, through the endpoint's circuit breaker, and resubscribes everything.
/// </summary>
internal sealed class DeribitConnection
{
    private readonly FeedContext context;
    private readonly Lock gate = new();
    private readonly HashSet<string> wanted = new(StringComparer.Ordinal);
    private readonly ChannelDirectory directory = new();
    private readonly Channel<bool> changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int subscribed;

    public DeribitConnection(FeedContext context, int index)
    {
        this.context = context;
        Name = $"deribit#{index}";
    }

    public string Name { get; }

    /// <summary>Channels this connection should carry.</summary>
    public int WantedCount
    {
        get { lock (gate) { return wanted.Count; } }
    }

    /// <summary>Channels the exchange confirmed on the current session (0 while disconnected).</summary>
    public int SubscribedCount => Volatile.Read(ref subscribed);

    /// <summary>Follows these instruments' ticker channels from now on (subscribed by the running session).</summary>
    public void Add(IReadOnlyCollection<string> instrumentNames)
    {
        lock (gate)
        {
            foreach (var name in instrumentNames)
            {
                var channel = ChannelOf(name);
                wanted.Add(channel);
                // Known before the subscribe call goes out, so the first tick is recognised.
                directory.Add(channel, name);
                if (context.Options.InstrumentTradeChannel(name) is { } trades)
                {
                    // The instrument's trades ride on the same connection as its ticker.
                    wanted.Add(trades);
                    directory.Add(trades, trades);
                }
            }
        }

        changed.Writer.TryWrite(true);
    }

    /// <summary>
    /// Follows these market-wide channels from now on (trades and instrument.state: their notifications name their own
    /// instruments).
    /// </summary>
    public void AddMarketChannels(IReadOnlyCollection<string> channels)
    {
        lock (gate)
        {
            foreach (var channel in channels)
            {
                wanted.Add(channel);
                directory.Add(channel, channel);
            }
        }

        changed.Writer.TryWrite(true);
    }

    /// <summary>Stops following these instruments (unsubscribed by the running session).</summary>
    public void Remove(IReadOnlyCollection<string> instrumentNames)
    {
        lock (gate)
        {
            foreach (var name in instrumentNames)
            {
                wanted.Remove(ChannelOf(name));
                if (context.Options.InstrumentTradeChannel(name) is { } trades)
                {
                    wanted.Remove(trades);
                }
            }
        }

        changed.Writer.TryWrite(true);
    }

    private string ChannelOf(string instrumentName) => $"ticker.{instrumentName}.{context.Options.Interval}";

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var options = context.Options;
        var backoff = new ReconnectBackoff(options.ReconnectMinDelaySeconds, options.ReconnectMaxDelaySeconds, options.ReconnectJitter);
        while (!stoppingToken.IsCancellationRequested)
        {
            SessionOutcome outcome;
            try
            {
                outcome = await RunSessionAsync(backoff, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A bug must not silently end this connection's share of the channels: log it and reconnect.
                FeedLog.Unexpected(context.Logger, ex, Name);
                outcome = new SessionOutcome(SessionEnd.ConnectionError, $"unexpected {ex.GetType().Name}: {ex.Message}", false);
            }

            var delay = backoff.Next();
            if (outcome.End == SessionEnd.RateLimited)
            {
                delay = TimeSpan.FromSeconds(Math.Max(delay.TotalSeconds, options.RateLimitBackoffSeconds));
            }

            if (outcome.ConnectError is { } connectError)
            {
                context.ReportConnectFailure(Name, connectError, delay);
            }
            else
            {
                if (outcome.Established)
                {
                    context.Status.Reconnecting();
                }

                context.Status.RecordError($"{Name}: {outcome.End} ({outcome.Detail})");
                FeedLog.SessionEnded(context.Logger, Name, outcome.End, outcome.Detail, delay.TotalSeconds, WantedCount);
            }

            try
            {
                await Task.Delay(delay, context.Time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<SessionOutcome> RunSessionAsync(ReconnectBackoff backoff, CancellationToken cancellationToken)
    {
        var breaker = context.Breaker;
        var probe = await breaker.AcquireAsync(cancellationToken).ConfigureAwait(false);
        DeribitSession session;
        try
        {
            session = await DeribitSession.ConnectAsync(context, Name, directory, cancellationToken).ConfigureAwait(false);
        }
        catch (DeribitConnectException ex)
        {
            breaker.RecordFailure();
            return new SessionOutcome(SessionEnd.ConnectionError, ex.Message, false, ex);
        }
        catch (OperationCanceledException)
        {
            breaker.Abandon(probe);
            throw;
        }

        var established = false;
        await using (session.ConfigureAwait(false))
        {
            try
            {
                established = await SetUpAsync(session, cancellationToken).ConfigureAwait(false);
                if (established)
                {
                    breaker.RecordSuccess();
                    context.ReportConnected();
                    context.Status.ConnectionOpened();
                    await SyncAsync(session, backoff, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (SessionEndedException)
            {
                // The reason is on the session.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await session.CloseAsync().ConfigureAwait(false);
                if (!established)
                {
                    breaker.Abandon(probe);
                }

                throw;
            }
            finally
            {
                if (established)
                {
                    context.Status.ConnectionClosed();
                    context.Status.ChannelsChanged(-Interlocked.Exchange(ref subscribed, 0));
                }
            }

            if (!established)
            {
                breaker.RecordFailure();
            }

            if (session.EndReason == SessionEnd.None)
            {
                session.Terminate(SessionEnd.SetupFailed, "session setup failed");
            }

            return new SessionOutcome(session.EndReason, session.EndDetail, established);
        }
    }

    /// <summary>Heartbeat and authentication; false when the session cannot be used.</summary>
    private async Task<bool> SetUpAsync(DeribitSession session, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var heartbeat = await session.CallAsync("public/set_heartbeat", w => w.WriteNumber("interval"u8, options.HeartbeatIntervalSeconds), cancellationToken)
            .ConfigureAwait(false);
        if (heartbeat.IsError)
        {
            session.Terminate(heartbeat.ErrorCode == RpcResponse.TooManyRequests ? SessionEnd.RateLimited : SessionEnd.SetupFailed,
                $"set_heartbeat: {heartbeat.ErrorCode} {heartbeat.ErrorMessage}");
            return false;
        }

        var authenticated = false;
        if (options.HasCredentials)
        {
            var auth = await session.CallAsync("public/auth", w =>
            {
                w.WriteString("grant_type"u8, "client_credentials"u8);
                w.WriteString("client_id"u8, options.ClientId);
                w.WriteString("client_secret"u8, options.ClientSecret);
            }, cancellationToken).ConfigureAwait(false);

            if (auth.IsError)
            {
                if (auth.ErrorCode == RpcResponse.TooManyRequests)
                {
                    return false;
                }

                var raw = options.Interval == "raw";
                FeedLog.AuthFailed(context.Logger, Name, auth.ErrorCode, auth.ErrorMessage ?? "",
                    raw
                        ? "raw ticker channels need an authenticated connection, so this connection retries with backoff."
                        : $"continuing without authentication on the public {options.Interval} channels.");
                context.Status.RecordError($"{Name}: Deribit rejected the API credentials ({auth.ErrorCode} {auth.ErrorMessage})");
                if (raw)
                {
                    session.Terminate(SessionEnd.AuthFailed, $"Deribit rejected the API credentials: {auth.ErrorCode} {auth.ErrorMessage}");
                    return false;
                }
            }
            else
            {
                authenticated = true;
            }
        }

        FeedLog.Connected(context.Logger, Name, options.Url, options.HeartbeatIntervalSeconds, authenticated);
        return true;
    }

    /// <summary>Keeps the confirmed channels equal to the wanted ones until the session ends.</summary>
    private async Task SyncAsync(DeribitSession session, ReconnectBackoff backoff, CancellationToken cancellationToken)
    {
        var subscribed = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            this.changed.Reader.TryRead(out _);
            string[] add;
            string[] remove;
            lock (gate)
            {
                add = wanted.Where(c => !subscribed.Contains(c)).ToArray();
                remove = subscribed.Where(c => !wanted.Contains(c)).ToArray();
                // Dropped before they were ever subscribed on this session: nothing to unsubscribe, forget them.
                foreach (var channel in directory.Channels.Where(c => !wanted.Contains(c) && !subscribed.Contains(c)))
                {
                    directory.Remove(channel);
                }
            }

            if (remove.Length > 0)
            {
                await UnsubscribeAsync(session, subscribed, remove, cancellationToken).ConfigureAwait(false);
            }

            var complete = true;
            if (add.Length > 0)
            {
                var started = Stopwatch.GetTimestamp();
                var calls = await SubscribeAsync(session, subscribed, add, cancellationToken).ConfigureAwait(false);
                FeedLog.Subscribed(context.Logger, Name, subscribed.Count, calls, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                lock (gate)
                {
                    complete = wanted.IsSubsetOf(subscribed);
                }

                if (complete)
                {
                    // A session that got all its channels back counts as a full recovery: start backoff over.
                    backoff.Reset();
                }
            }

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var changed = this.changed.Reader.WaitToReadAsync(wake.Token).AsTask();
            // Channels the exchange refused are tried again at the discovery pace (by then they may be delisted).
            var retry = complete ? Task.Delay(Timeout.InfiniteTimeSpan, wake.Token) : Task.Delay(TimeSpan.FromSeconds(context.Options.DiscoveryRefreshSeconds), context.Time, wake.Token);
            await Task.WhenAny(changed, retry, session.Completion).ConfigureAwait(false);
            await wake.CancelAsync().ConfigureAwait(false);
            if (session.Completion.IsCompleted)
            {
                return;
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task<int> SubscribeAsync(DeribitSession session, HashSet<string> subscribed, string[] channels, CancellationToken cancellationToken)
    {
        var calls = 0;
        var pending = new Queue<string[]>(channels.Chunk(context.Options.ChannelsPerSubscribeCall));
        while (pending.TryDequeue(out var chunk))
        {
            await context.SubscribePacer.WaitAsync(cancellationToken).ConfigureAwait(false);
            var response = await session.CallAsync("public/subscribe", w => WriteChannels(w, chunk), cancellationToken).ConfigureAwait(false);
            calls++;
            if (!response.IsError)
            {
                var confirmed = ReadChannels(response.Result!);
                var added = 0;
                foreach (var channel in chunk)
                {
                    if (confirmed.Contains(channel) && subscribed.Add(channel))
                    {
                        added++;
                    }
                }

                Interlocked.Add(ref this.subscribed, added);
                context.Status.ChannelsChanged(added);
                if (added < chunk.Length)
                {
                    var missing = chunk.First(c => !confirmed.Contains(c));
                    FeedLog.ChannelsRejected(context.Logger, Name, "public/subscribe", chunk.Length - added, 0, "not in the confirmed list", missing);
                }

                continue;
            }

            if (response.ErrorCode == RpcResponse.TooManyRequests)
            {
                throw new SessionEndedException(SessionEnd.RateLimited, "10028 too_many_requests on public/subscribe");
            }

            if (chunk.Length > 1)
            {
                // Too large (-32600) or one bad channel poisoning the call: halve and retry, which isolates bad
                // channels without giving up on the good ones.
                if (response.ErrorCode == RpcResponse.InvalidRequest)
                {
                    FeedLog.SplittingSubscribe(context.Logger, Name, chunk.Length);
                }

                var half = chunk.Length / 2;
                pending.Enqueue(chunk[..half]);
                pending.Enqueue(chunk[half..]);
            }
            else
            {
                FeedLog.ChannelsRejected(context.Logger, Name, "public/subscribe", 1, response.ErrorCode, response.ErrorMessage ?? "", chunk[0]);
            }
        }

        return calls;
    }

    private async Task UnsubscribeAsync(DeribitSession session, HashSet<string> subscribed, string[] channels, CancellationToken cancellationToken)
    {
        foreach (var chunk in channels.Chunk(context.Options.ChannelsPerSubscribeCall))
        {
            await context.SubscribePacer.WaitAsync(cancellationToken).ConfigureAwait(false);
            var response = await session.CallAsync("public/unsubscribe", w => WriteChannels(w, chunk), cancellationToken).ConfigureAwait(false);
            if (response.IsError)
            {
                if (response.ErrorCode == RpcResponse.TooManyRequests)
                {
                    throw new SessionEndedException(SessionEnd.RateLimited, "10028 too_many_requests on public/unsubscribe");
                }

                FeedLog.ChannelsRejected(context.Logger, Name, "public/unsubscribe", chunk.Length, response.ErrorCode, response.ErrorMessage ?? "", chunk[0]);
            }

            // Whether or not the exchange agreed, these channels are no longer ours to follow.
            var removed = 0;
            foreach (var channel in chunk)
            {
                if (subscribed.Remove(channel))
                {
                    removed++;
                }

                // After the answer no tick for it can follow on this session.
                lock (gate)
                {
                    if (!wanted.Contains(channel))
                    {
                        directory.Remove(channel);
                    }
                }
            }

            Interlocked.Add(ref this.subscribed, -removed);
            context.Status.ChannelsChanged(-removed);
            FeedLog.Unsubscribed(context.Logger, Name, removed);
        }
    }

    private static void WriteChannels(Utf8JsonWriter writer, string[] channels)
    {
        writer.WriteStartArray("channels"u8);
        foreach (var channel in channels)
        {
            writer.WriteStringValue(channel);
        }

        writer.WriteEndArray();
    }

    private static HashSet<string> ReadChannels(byte[] result)
    {
        var channels = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(result);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.String)
                {
                    channels.Add(reader.GetString()!);
                }
            }
        }
        catch (JsonException)
        {
            // A broken result confirms nothing; the channels are retried on the next change or session.
        }

        return channels;
    }
}

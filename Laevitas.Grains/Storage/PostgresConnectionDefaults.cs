using System.Data.Common;
using Npgsql;

namespace Laevitas.Grains.Storage;

/// <summary>
/// What the silo's PostgreSQL connections use unless <c>ConnectionStrings:Postgres</c> sets it: no statement timeout
/// (<c>Command Timeout=0</c>) and TCP keepalive (<c>Tcp Keepalive Time=15;Tcp Keepalive Interval=5</c>).
/// </summary>
/// <remarks>
/// <para>Why no statement timeout. Npgsql cancels a statement that times out (or whose token is cancelled) by opening a
/// second connection to the server and sending it a cancel request, synchronously, on the thread that saw the timeout:
/// for an async call, a thread-pool thread (npgsql/npgsql#3277 and #3696, open). Against a server that accepts
/// connections and answers nothing (frozen, its disk hung) that blocks the thread for up to the connection
/// <c>Timeout</c>, and every statement that was waiting times out at once. With Npgsql's default of 30 s, a PostgreSQL
/// that stopped answering for longer starved the thread pool of every silo for seconds, the feeds missed the
/// exchange's heartbeats and ticks were lost (chaos case <c>postgres-frozen</c>, docs/clustering.md). Without it a
/// statement waits as long as its connection lives, without a thread. Callers that must go on bound their own wait
/// without cancelling (the instrument grains' <c>Instruments:StateWriteTimeout</c>, the readiness probe); the writers
/// wait, as they should: Kafka holds their backlog.</para>
/// <para>Why keepalive. With no statement timeout, a connection whose server is gone without a reset (a host or a
/// network path that vanished) would wait forever; the kernel's keepalive probes end it after about a minute
/// (15 s idle, then probes 5 s apart: nine unanswered on Linux). A frozen server's kernel still answers the
/// probes, so its connections live on until it resumes.</para>
/// <para>A connection string that sets either keyword (in any of its spellings) keeps its own value.</para>
/// </remarks>
public static class PostgresConnectionDefaults
{
    /// <summary>Seconds of silence on a connection before the kernel's first keepalive probe.</summary>
    public const int TcpKeepAliveTimeSeconds = 15;

    /// <summary>Seconds between keepalive probes.</summary>
    public const int TcpKeepAliveIntervalSeconds = 5;

    /// <summary>Returns <paramref name="connectionString"/> with the defaults above for what it leaves unset.</summary>
    public static string Apply(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var keys = given.Keys.Cast<string>().Select(Normalize).ToHashSet(StringComparer.Ordinal);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!keys.Contains("commandtimeout"))
        {
            builder.CommandTimeout = 0;
        }

        if (!keys.Contains("tcpkeepalivetime") && !keys.Contains("tcpkeepaliveinterval"))
        {
            builder.TcpKeepAliveTime = TcpKeepAliveTimeSeconds;
            builder.TcpKeepAliveInterval = TcpKeepAliveIntervalSeconds;
        }

        return builder.ConnectionString;
    }

    // Npgsql accepts each keyword with or without spaces, in any case ("Command Timeout", "CommandTimeout").
    private static string Normalize(string keyword) => keyword.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
}

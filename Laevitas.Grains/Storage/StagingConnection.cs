using Npgsql;

namespace Laevitas.Grains.Storage;

/// <summary>
/// The one connection a COPY store keeps for its owner's lifetime, with the session's temp staging table: the table
/// lives as long as the connection, so it is created once per connection, not per batch (a pooled connection is reset
/// on return, which would drop it). After an error the connection is dropped, since it may be broken (e.g. the
/// server restarted); the next use opens a new one and creates the staging table again.
/// </summary>
internal sealed class StagingConnection(NpgsqlDataSource dataSource, string createStaging) : IAsyncDisposable
{
    private NpgsqlConnection? connection;

    /// <summary>The open connection, opened (and its staging table created) if there is none.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (connection is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }

        await ResetAsync().ConfigureAwait(false);
        var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var create = new NpgsqlCommand(createStaging, conn);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await conn.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        connection = conn;
        return conn;
    }

    /// <summary>Drops the connection; the next <see cref="OpenAsync"/> opens a new one.</summary>
    public async ValueTask ResetAsync()
    {
        var local = connection;
        connection = null;
        if (local is not null)
        {
            try
            {
                await local.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or ObjectDisposedException)
            {
                // A broken connection may fail to close cleanly; it is discarded either way.
            }
        }
    }

    public ValueTask DisposeAsync() => ResetAsync();
}

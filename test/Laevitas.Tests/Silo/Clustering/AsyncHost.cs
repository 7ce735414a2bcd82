using Microsoft.Extensions.Hosting;

namespace Laevitas.Tests.Silo.Clustering;

/// <summary>A started host whose start and stop are bounded; disposed (and stopped) even when its start failed.</summary>
internal sealed class AsyncHost : IAsyncDisposable
{
    private readonly IHost host;

    private AsyncHost(IHost host) => this.host = host;

    public IServiceProvider Services => host.Services;

    public static async Task<AsyncHost> StartAsync(IHost host, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await host.StartAsync(cancellation.Token).WaitAsync(cancellation.Token);
            return new AsyncHost(host);
        }
        catch
        {
            await new AsyncHost(host).DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await host.StopAsync(cancellation.Token);
        }
        catch (Exception)
        {
            // Stopping a host whose start failed may throw again; it is disposed either way.
        }

        if (host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }
}

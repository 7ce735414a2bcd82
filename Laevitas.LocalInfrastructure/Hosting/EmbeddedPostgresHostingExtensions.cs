using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Laevitas.LocalInfrastructure.Hosting;

public static class EmbeddedPostgresHostingExtensions
{
    /// <summary>
    /// When <c>ConnectionStrings:Postgres</c> is empty, starts the private PostgreSQL (section
    /// <c>Postgres</c>) and puts its connection string into configuration before services are built.
    /// Returns null when a database is configured. Dispose the result after the host has stopped.
    /// </summary>
    public static async Task<EmbeddedPostgresHost?> StartPrivatePostgresIfUnconfiguredAsync(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString("Postgres")))
        {
            return null;
        }

        var options = configuration.GetSection(EmbeddedPostgresOptions.SectionName).Get<EmbeddedPostgresOptions>() ?? new EmbeddedPostgresOptions();
        // The host's loggers do not exist yet; this factory follows the same Logging configuration.
        var loggerFactory = LoggerFactory.Create(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddConsole());
        EmbeddedPostgresHost host;
        try
        {
            host = await EmbeddedPostgresHost.StartAsync(options, loggerFactory);
        }
        catch
        {
            loggerFactory.Dispose();
            throw;
        }

        configuration["ConnectionStrings:Postgres"] = host.ConnectionString;
        return host;
    }
}

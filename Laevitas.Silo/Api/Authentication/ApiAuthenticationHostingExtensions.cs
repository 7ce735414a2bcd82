using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Api.Authentication;

/// <summary>API-key authentication of the silo's HTTP surface (<c>Api:Keys</c>); off when no key is configured.</summary>
public static class ApiAuthenticationHostingExtensions
{
    /// <summary>Category of ASP.NET Core's "Request starting/finished" lines, which carry the whole URL.</summary>
    internal const string RequestLogCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static IServiceCollection AddLaevitasApiAuthentication(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        // The dashboard's sign-in carries the key in the query (?api_key=), and the hosting layer logs every request's
        // full URL at Information before any middleware could redact it. Those lines stay below Warning whatever the
        // Logging section says: this rule is added after the configuration's, and the later of two equally specific
        // rules wins. Errors of that category (Warning and up) still reach the log.
        services.AddLogging(logging => logging.AddFilter(RequestLogCategory, LogLevel.Warning));
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiKeyOptions>, ApiKeyOptionsValidator>());
        services.TryAddSingleton<ApiKeyVerifier>();
        services.TryAddSingleton<ApiAuthenticationMetrics>();
        services.AddHostedService<ApiAuthenticationAnnouncer>();
        return services;
    }

    /// <summary>Before every endpoint: a refused request reaches none of them.</summary>
    public static IApplicationBuilder UseLaevitasApiAuthentication(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<ApiKeyAuthenticationMiddleware>();
    }
}

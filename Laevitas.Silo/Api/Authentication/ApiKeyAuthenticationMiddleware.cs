using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Primitives;

namespace Laevitas.Silo.Api.Authentication;

/// <summary>
/// Asks every request for a configured API key, except the probes and the scrape (<see cref="IsOpen"/>): an allow-list
/// of what stays open, so an endpoint added later is protected without anyone remembering to. The key comes as
/// <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>; a browser opening the dashboard, which
/// cannot add headers, brings it once as <c>/dashboard/?api_key=&lt;key&gt;</c> and gets it back as an HttpOnly cookie
/// valid for <c>/dashboard</c> only, and a redirect that takes the key out of the address bar and the history.
/// </summary>
/// <remarks>
/// A missing key and a wrong key are both 401 (RFC 6750 §3.1: <c>invalid_token</c> is a 401): the API has one level of
/// access, so there is no "authenticated but not allowed" that a 403 would mean, and a client reacts the same way to
/// both (fix its key). The body is problem+json and <c>WWW-Authenticate</c> names the Bearer scheme.
/// </remarks>
internal sealed partial class ApiKeyAuthenticationMiddleware(
    RequestDelegate next,
    ApiKeyVerifier verifier,
    ApiAuthenticationMetrics metrics,
    ILogger<ApiKeyAuthenticationMiddleware> logger)
{
    public const string HeaderName = "X-Api-Key";
    public const string QueryName = "api_key";
    public const string CookieName = "laevitas_api_key";
    public const string Realm = "laevitas";

    /// <summary>
    /// Kubelet probes and the Prometheus scrape carry no credentials and must keep working; they reveal liveness,
    /// readiness with the dependencies' state, and counters — no market data, no control.
    /// </summary>
    public static bool IsOpen(PathString path) =>
        path.Equals("/health/live", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/health/ready", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/metrics", StringComparison.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!verifier.Enabled || IsOpen(context.Request.Path))
        {
            await next(context);
            return;
        }

        var onDashboard = context.Request.Path.StartsWithSegments(ApiHostingExtensions.DashboardPath, StringComparison.OrdinalIgnoreCase);
        if (onDashboard && context.Request.Query.TryGetValue(QueryName, out var fromQuery))
        {
            await ExchangeQueryForCookieAsync(context, fromQuery);
            return;
        }

        var presented = Presented(context.Request, onDashboard);
        if (presented is null)
        {
            metrics.Refused("missing");
            LogRefused(logger, "missing", context.Request.Path, context.Connection.RemoteIpAddress?.ToString());
            await RefuseAsync(context, $"Bearer realm=\"{Realm}\"", "API key required",
                $"Send the key as 'Authorization: Bearer <key>' or '{HeaderName}: <key>'. In a browser, open {ApiHostingExtensions.DashboardPath}/?{QueryName}=<key> once.");
            return;
        }

        if (!verifier.IsValid(presented))
        {
            metrics.Refused("invalid");
            LogRefused(logger, "invalid", context.Request.Path, context.Connection.RemoteIpAddress?.ToString());
            await RefuseAsync(context, $"Bearer realm=\"{Realm}\", error=\"invalid_token\"", "Invalid API key",
                "The key sent is not one of the keys this silo accepts (Api:Keys).");
            return;
        }

        await next(context);
    }

    /// <summary>The key sent with the request, or null. The cookie counts only on the dashboard, the one browser page.</summary>
    private static string? Presented(HttpRequest request, bool onDashboard)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        if (request.Headers.TryGetValue(HeaderName, out var header) && !StringValues.IsNullOrEmpty(header))
        {
            return header.ToString().Trim();
        }

        return onDashboard && request.Cookies.TryGetValue(CookieName, out var cookie) && !string.IsNullOrEmpty(cookie) ? cookie : null;
    }

    private async Task ExchangeQueryForCookieAsync(HttpContext context, StringValues fromQuery)
    {
        var key = fromQuery.ToString();
        if (!verifier.IsValid(key))
        {
            metrics.Refused("invalid");
            LogRefused(logger, "invalid", context.Request.Path, context.Connection.RemoteIpAddress?.ToString());
            await RefuseAsync(context, $"Bearer realm=\"{Realm}\", error=\"invalid_token\"", "Invalid API key",
                $"The {QueryName} given is not one of the keys this silo accepts (Api:Keys).");
            return;
        }

        // HttpOnly: the dashboard's scripts never see it. SameSite=Strict: another site cannot make the browser send it.
        // Path: only the dashboard gets it, so it cannot authorise /api calls forged by other pages. A session cookie:
        // closing the browser forgets it.
        context.Response.Cookies.Append(CookieName, key, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = ApiHostingExtensions.DashboardPath,
            IsEssential = true,
        });
        var query = QueryString.Create(context.Request.Query.Where(q => !string.Equals(q.Key, QueryName, StringComparison.OrdinalIgnoreCase)));
        context.Response.Redirect(UriHelper.BuildRelative(context.Request.PathBase, context.Request.Path, query));
    }

    private static Task RefuseAsync(HttpContext context, string challenge, string title, string detail)
    {
        context.Response.Headers.WWWAuthenticate = challenge;
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: title, detail: detail).ExecuteAsync(context);
    }

    // Debug: a scan would otherwise flood the log; the counter (laevitas_api_auth_failures_total) shows every one.
    [LoggerMessage(EventId = 5403, Level = LogLevel.Debug, Message = "Refused an HTTP request ({Reason} API key) for {Path} from {Remote}")]
    private static partial void LogRefused(ILogger logger, string reason, PathString path, string? remote);
}

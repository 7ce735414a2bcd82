using System.Net;
using Laevitas.Silo.Api.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Tests.Silo.Api.Authentication;

/// <summary>No <c>Api:Keys</c> (a local <c>./run.sh</c>): everything answers without a key, and the silo says so; bad keys stop it at start.</summary>
public sealed class ApiKeySettingsTests
{
    [Fact]
    public async Task WithoutKeysTheApiAndDashboardAreOpenAndTheSiloWarnsThatTheyAre()
    {
        await using var silo = await AuthenticatedSiloHost.StartAsync(keys: null);
        using var http = silo.NewClient();

        using var openApi = await http.GetAsync("openapi/v1.json");
        using var dashboard = await http.GetAsync("dashboard/");

        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains(silo.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("HTTP API NOT protected", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("short-key", "at least 16")]
    [InlineData("a-long-enough-key with-space", "whitespace")]
    [InlineData("   ", "blank")]
    [InlineData("a-long-enough-key-0001,a-long-enough-key-0001", "twice")]
    [InlineData("a-long-enough-key-0001, short", "key 2 of 2 has 5 characters")]
    public void UnusableKeysAreRefusedWithoutRepeatingThem(string keys, string expected)
    {
        var result = new ApiKeyOptionsValidator().Validate(null, new ApiKeyOptions { Keys = keys });

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("short-key", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a-long-enough-key-0001")]
    [InlineData("a-long-enough-key-0001 , another-long-key-0002")]
    public void UsableSettingsPass(string? keys)
    {
        Assert.True(new ApiKeyOptionsValidator().Validate(null, new ApiKeyOptions { Keys = keys }).Succeeded);
    }

    [Fact]
    public async Task ASiloConfiguredWithAShortKeyDoesNotStart()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthenticatedSiloHost.StartAsync("too-short"));
        Assert.Contains("Api:Keys", error.Message, StringComparison.Ordinal);
    }
}

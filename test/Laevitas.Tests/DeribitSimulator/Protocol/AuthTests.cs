using Laevitas.DeribitSimulator;
using Laevitas.DeribitSimulator.Protocol;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Protocol;

public class AuthTests
{
    private static SimulatorOptions WithKey()
    {
        var options = SimulatorTestOptions.Create(rate: 0);
        options.Credentials.Add(new SimulatorCredential("sim-id", "sim-secret"));
        return options;
    }

    [Fact]
    public async Task ClientCredentialsAuthenticateAndUnlockRawChannels()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(WithKey());
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var raw = await client.CallAsync("public/subscribe", new { channels = new[] { "ticker.BTC-PERPETUAL.100ms", "ticker.BTC-PERPETUAL.raw" } });
        Assert.Equal(13778, raw.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("raw_subscriptions_not_available_for_unauthorized", raw.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(0, sim.GetStatistics().Subscriptions); // the whole request is refused, not just the raw channel

        var privateSubscribe = await client.CallAsync("private/subscribe", new { channels = new[] { "ticker.BTC-PERPETUAL.raw" } });
        Assert.Equal(13009, privateSubscribe.GetProperty("error").GetProperty("code").GetInt32());

        var auth = await client.CallAsync("public/auth", new { grant_type = "client_credentials", client_id = "sim-id", client_secret = "sim-secret" });
        var result = auth.GetProperty("result");
        Assert.Equal("bearer", result.GetProperty("token_type").GetString());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("access_token").GetString()));
        Assert.True(result.GetProperty("expires_in").GetInt64() > 0);

        var subscribed = await client.CallAsync("public/subscribe", new { channels = new[] { "ticker.BTC-PERPETUAL.raw" } });
        Assert.Equal(["ticker.BTC-PERPETUAL.raw"], ProtocolTests.Strings(subscribed));
        Assert.True(sim.Connections.Single().IsAuthenticated);

        var refreshed = await client.CallAsync("public/auth", new { grant_type = "refresh_token", refresh_token = result.GetProperty("refresh_token").GetString() });
        Assert.True(refreshed.TryGetProperty("result", out _));
    }

    [Theory]
    [InlineData("sim-id", "wrong")]
    [InlineData("nobody", "sim-secret")]
    public async Task WrongCredentialsAreInvalidCredentials(string clientId, string secret)
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(WithKey());
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var auth = await client.CallAsync("public/auth", new { grant_type = "client_credentials", client_id = clientId, client_secret = secret });
        Assert.Equal(13004, auth.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("invalid_credentials", auth.GetProperty("error").GetProperty("message").GetString());
        Assert.False(sim.Connections.Single().IsAuthenticated);
    }

    [Fact]
    public async Task ClientSignatureIsVerified()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(WithKey());
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var wrong = await client.CallAsync("public/auth", new { grant_type = "client_signature", client_id = "sim-id", timestamp, nonce = "abc", data = "", signature = ClientSignature.Sign("not-the-secret", timestamp, "abc", "") });
        Assert.Equal(13004, wrong.GetProperty("error").GetProperty("code").GetInt32());

        var right = await client.CallAsync("public/auth", new { grant_type = "client_signature", client_id = "sim-id", timestamp, nonce = "abc", data = "", signature = ClientSignature.Sign("sim-secret", timestamp, "abc", "") });
        Assert.True(right.TryGetProperty("result", out _));
    }
}

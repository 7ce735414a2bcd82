using Laevitas.Grains.Storage;
using Npgsql;

namespace Laevitas.Tests.Grains.Storage;

public sealed class PostgresConnectionDefaultsTests
{
    [Fact]
    public void WhatTheConnectionStringLeavesUnsetGetsTheDefaults()
    {
        var applied = new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.Apply("Host=db;Username=u;Password=secret;Database=d"));

        Assert.Equal(0, applied.CommandTimeout);
        Assert.Equal(PostgresConnectionDefaults.TcpKeepAliveTimeSeconds, applied.TcpKeepAliveTime);
        Assert.Equal(PostgresConnectionDefaults.TcpKeepAliveIntervalSeconds, applied.TcpKeepAliveInterval);
        // Everything else is the connection string's own.
        Assert.Equal("db", applied.Host);
        Assert.Equal("u", applied.Username);
        Assert.Equal("secret", applied.Password);
        Assert.Equal("d", applied.Database);
    }

    [Theory]
    [InlineData("Host=db;Command Timeout=45", 45)]
    [InlineData("Host=db;CommandTimeout=45", 45)]
    [InlineData("Host=db;command timeout=30", 30)]
    public void AStatementTimeoutTheConnectionStringSetsIsKept(string connectionString, int expected) =>
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.Apply(connectionString)).CommandTimeout);

    [Theory]
    [InlineData("Host=db;Tcp Keepalive Time=60", 60, 0)]
    [InlineData("Host=db;TcpKeepAliveTime=60;TcpKeepAliveInterval=7", 60, 7)]
    [InlineData("Host=db;Tcp Keepalive Time=60;Tcp Keepalive Interval=7", 60, 7)]
    public void KeepaliveTheConnectionStringSetsIsKept(string connectionString, int time, int interval)
    {
        var applied = new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.Apply(connectionString));
        Assert.Equal(time, applied.TcpKeepAliveTime);
        Assert.Equal(interval, applied.TcpKeepAliveInterval);
    }
}

using Laevitas.LocalInfrastructure.Postgres;

namespace Laevitas.Tests.LocalInfrastructure.Postgres;

[Collection(EnvironmentMutatingCollection.Name)]
public sealed class MissingBinariesTests
{
    [Fact]
    public async Task StartWithoutServerBinariesFailsWithOneClearErrorNamingThePackage()
    {
        var empty = Directory.CreateTempSubdirectory("laevitas-no-pg-");
        var previous = Environment.GetEnvironmentVariable(PostgresBinaries.OverrideVariable);
        Environment.SetEnvironmentVariable(PostgresBinaries.OverrideVariable, empty.FullName);
        try
        {
            await using var postgres = new PrivatePostgres();

            var error = await Assert.ThrowsAsync<PostgresBinariesNotFoundException>(() => postgres.StartAsync());

            Assert.StartsWith(
                "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found. Install them with: sudo apt-get install -y postgresql",
                error.Message);
            Assert.Contains(empty.FullName, error.Message);
            Assert.False(postgres.IsRunning);
        }
        finally
        {
            Environment.SetEnvironmentVariable(PostgresBinaries.OverrideVariable, previous);
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public void WithoutOverrideTheInstalledServerIsFound()
    {
        var binaries = PostgresBinaries.Locate();

        Assert.True(File.Exists(binaries.InitDb), binaries.InitDb);
        Assert.True(File.Exists(binaries.Postgres), binaries.Postgres);
        Assert.True(File.Exists(binaries.PgCtl), binaries.PgCtl);
    }
}

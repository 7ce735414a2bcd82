using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// One setting bound over an options class's defaults and validated the way the silo does it at start
/// (<c>AddOptions&lt;T&gt;().BindConfiguration(section).ValidateOnStart()</c> with the validator registered beside it).
/// </summary>
internal static class SettingValidation
{
    /// <summary>The failures the validator reports for <paramref name="key"/> = <paramref name="value"/>, or null when it passes.</summary>
    public static string? Failure<TOptions>(IValidateOptions<TOptions> validator, string section, string key, string value)
        where TOptions : class
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new($"{section}:{key}", value)]).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSingleton(validator);
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<TOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException e)
        {
            return e.Message;
        }
    }

    /// <summary>Asserts that <paramref name="refused"/> fails naming the key and the value read, and <paramref name="edge"/> passes.</summary>
    public static void AssertRange<TOptions>(IValidateOptions<TOptions> validator, string section, string key, string refused, string edge)
        where TOptions : class
    {
        var failure = Failure(validator, section, key, refused);
        Assert.NotNull(failure);
        Assert.Contains($"{section}:{key} must be ", failure, StringComparison.Ordinal);
        Assert.Contains($"(was {refused})", failure, StringComparison.Ordinal);
        Assert.Null(Failure(validator, section, key, edge));
    }
}

using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Metrics;

public sealed class TelemetryExportOptionsValidator : IValidateOptions<TelemetryExportOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = TelemetryExportOptions.SectionName;
        // A relative or non-HTTP address would only fail at the first export, in the background, seconds after start:
        // refused at start instead, where the operator is looking.
        if (options.OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https")))
        {
            failures.Add($"{section}:OtlpEndpoint must be an absolute http:// or https:// address (was '{endpoint}').");
        }

        if (!Enum.IsDefined(options.OtlpProtocol))
        {
            failures.Add($"{section}:OtlpProtocol must be Grpc or HttpProtobuf (was {options.OtlpProtocol}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

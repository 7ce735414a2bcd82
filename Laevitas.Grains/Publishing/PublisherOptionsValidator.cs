using System.Globalization;
using Laevitas.Streaming.Kafka;
using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Publishing;

internal sealed class PublisherOptionsValidator(IOptions<KafkaOptions> kafka) : IValidateOptions<PublisherOptions>
{
    private const string S = PublisherOptions.SectionName;

    // librdkafka's default message.max.bytes.
    private const int DefaultMessageMaxBytes = 1_000_000;

    // What a record adds to its payload within message.max.bytes: the key (an instrument name, tens of bytes), the
    // timestamp and the record framing. Generous, so a payload at the bound never fails at produce time.
    internal const int RecordOverheadBytes = 1_024;

    /// <summary>The producer's message.max.bytes: its own override, else the clients' override, else librdkafka's default.</summary>
    internal static int MessageMaxBytes(KafkaOptions kafka) =>
        TryRead(kafka.Producer) ?? TryRead(kafka.Client) ?? DefaultMessageMaxBytes;

    private static int? TryRead(Dictionary<string, string>? overrides) =>
        overrides is not null && overrides.TryGetValue("message.max.bytes", out var text)
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    public ValidateOptionsResult Validate(string? name, PublisherOptions o)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(o.SpoolDirectory))
        {
            failures.Add($"{S}:SpoolDirectory is empty; set a local directory for the tick spool.");
        }

        if (o.SpoolSegmentBytes < 64 * 1024)
        {
            failures.Add($"{S}:SpoolSegmentBytes must be at least 65536 (was {o.SpoolSegmentBytes}).");
        }

        if (o.SpoolMaxBytes < o.SpoolSegmentBytes)
        {
            failures.Add($"{S}:SpoolMaxBytes ({o.SpoolMaxBytes}) must be at least {S}:SpoolSegmentBytes ({o.SpoolSegmentBytes}).");
        }

        if (o.BufferMaxMessages is < 1 or > 10_000_000)
        {
            failures.Add($"{S}:BufferMaxMessages must be between 1 and 10000000 (was {o.BufferMaxMessages}).");
        }

        if (o.BufferMaxKBytes is < 1 or > 2_097_151)
        {
            failures.Add($"{S}:BufferMaxKBytes must be between 1 and 2097151 (was {o.BufferMaxKBytes}).");
        }

        if (o.ReplayBatchSize is < 1 or > 100_000)
        {
            failures.Add($"{S}:ReplayBatchSize must be between 1 and 100000 (was {o.ReplayBatchSize}).");
        }

        if (o.ShutdownFlushTimeout < TimeSpan.Zero || o.ShutdownFlushTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{S}:ShutdownFlushTimeout must be between 00:00:00 and 00:05:00 (was {o.ShutdownFlushTimeout}).");
        }

        var messageMaxBytes = MessageMaxBytes(kafka.Value);
        if (o.MaxTickBytes < 1_024 || o.MaxTickBytes > messageMaxBytes - RecordOverheadBytes)
        {
            failures.Add($"{S}:MaxTickBytes must be between 1024 and the producer's message.max.bytes ({messageMaxBytes}) less " +
                         $"{RecordOverheadBytes} bytes for the key and record framing (was {o.MaxTickBytes}); a larger tick could never be published.");
        }

        if (o.MaxTickBytes > TickSpool.MaxPayloadBytes)
        {
            failures.Add($"{S}:MaxTickBytes must not exceed {TickSpool.MaxPayloadBytes}, the largest record the spool can read back (was {o.MaxTickBytes}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

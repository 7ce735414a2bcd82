using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Laevitas.Streaming.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Laevitas.Grains.Writing;

/// <summary>
/// Sets aside records of the tick topic that can never be stored: produces each, unchanged but for a cut past
/// <see cref="TickWriterOptions.MaxDeadLetterBytes"/>, to <see cref="KafkaOptions.DeadLetterTopicName"/> with the
/// reason and the source position in headers, and returns once the broker acknowledged every one. Only then may the
/// writer return, i.e. the receiver commit past them (invariant 9: set aside, never silently dropped).
/// </summary>
/// <remarks>
/// One producer per silo, built on first use: most silos never set anything aside. If the broker does not
/// acknowledge, <see cref="SetAsideAsync"/> throws and the batch is delivered again like a database outage: the
/// broker is a dependency, not a verdict on the record. A re-delivery may set a record aside twice; the source
/// headers tell repeats apart.
/// </remarks>
public sealed partial class DeadLetterPublisher : IDisposable
{
    public const string ReasonHeader = "laevitas.dead_letter.reason";
    public const string CauseHeader = "laevitas.dead_letter.cause";
    public const string SourceHeader = "laevitas.dead_letter.source";
    public const string ReceivedAtHeader = "laevitas.dead_letter.received_at_ms";
    public const string OriginalBytesHeader = "laevitas.dead_letter.original_bytes";

    // Shorter than Orleans' response timeout: a broker that does not answer fails the delivery, which is re-delivered.
    private const int MessageTimeoutMs = 10_000;

    private readonly KafkaOptions kafka;
    private readonly TickWriterOptions options;
    private readonly TickWriterStatus status;
    private readonly ILogger<DeadLetterPublisher> logger;
    private readonly Lock gate = new();
    private IProducer<byte[]?, byte[]?>? producer;

    public DeadLetterPublisher(IOptions<KafkaOptions> kafka, IOptions<TickWriterOptions> options, TickWriterStatus status, ILogger<DeadLetterPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(options);
        this.kafka = kafka.Value;
        this.options = options.Value;
        this.status = status;
        this.logger = logger;
    }

    public string Topic => kafka.DeadLetterTopicName;

    /// <summary>Produces <paramref name="letters"/> and waits for the broker's acknowledgement of each.</summary>
    /// <exception cref="DeadLetterUnavailableException">The broker did not acknowledge every record.</exception>
    public async Task SetAsideAsync(IReadOnlyList<DeadLetter> letters)
    {
        ArgumentNullException.ThrowIfNull(letters);
        if (letters.Count == 0)
        {
            return;
        }

        var local = Producer();
        var deliveries = new Task<DeliveryResult<byte[]?, byte[]?>>[letters.Count];
        for (var i = 0; i < letters.Count; i++)
        {
            deliveries[i] = local.ProduceAsync(Topic, Message(letters[i]));
        }

        try
        {
            await Task.WhenAll(deliveries).ConfigureAwait(false);
        }
        catch (ProduceException<byte[]?, byte[]?> ex)
        {
            LogFailed(ex, Topic, letters.Count, ex.Error.Reason);
            throw new DeadLetterUnavailableException(
                $"{letters.Count} records could not be set aside to {Topic}: {ex.Error.Reason}; the batch is delivered again.", ex);
        }

        foreach (var letter in letters)
        {
            status.DeadLettered(letter);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            // Deliveries still in flight belong to a writer call that fails with them and is delivered again.
            producer?.Dispose();
            producer = null;
        }
    }

    private Message<byte[]?, byte[]?> Message(in DeadLetter letter)
    {
        var headers = new Headers
        {
            { ReasonHeader, Encoding.UTF8.GetBytes(letter.Reason) },
            { CauseHeader, Encoding.UTF8.GetBytes(letter.Cause.ToString()) },
            { SourceHeader, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{letter.Topic}/{letter.Partition}/{letter.Offset}")) },
            { ReceivedAtHeader, Encoding.UTF8.GetBytes(letter.ReceivedAtMs.ToString(CultureInfo.InvariantCulture)) },
        };
        var value = letter.Payload;
        if (value is { Length: var length } && length > options.MaxDeadLetterBytes)
        {
            headers.Add(OriginalBytesHeader, Encoding.UTF8.GetBytes(length.ToString(CultureInfo.InvariantCulture)));
            value = value.AsSpan(0, options.MaxDeadLetterBytes).ToArray();
        }

        // The record's own timestamp is left to the producer: the original one may be the absurd value that got the
        // record set aside (it is kept in a header).
        return new Message<byte[]?, byte[]?>
        {
            Key = letter.Key is null ? null : Encoding.UTF8.GetBytes(letter.Key),
            Value = value,
            Headers = headers,
        };
    }

    private IProducer<byte[]?, byte[]?> Producer()
    {
        lock (gate)
        {
            if (producer is { } existing)
            {
                return existing;
            }

            var config = KafkaClientConfigs.Producer(kafka, "laevitas-dead-letter");
            config.MessageTimeoutMs = MessageTimeoutMs;
            // A handful of records now and then: no reason to wait for a batch to fill.
            config.LingerMs = 5;
            producer = new ProducerBuilder<byte[]?, byte[]?>(config)
                .SetErrorHandler((_, error) => LogClientError(error.Code, error.Reason, error.IsFatal))
                .SetLogHandler((_, message) => LogClient(message.Level.ToString(), message.Facility, message.Message))
                .Build();
            return producer;
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Setting {Count} records aside to Kafka topic {Topic} failed ({Reason}); their batch is delivered again")]
    private partial void LogFailed(Exception error, string topic, int count, string reason);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Dead-letter producer: {Code} {Reason} (fatal: {Fatal})")]
    private partial void LogClientError(ErrorCode code, string reason, bool fatal);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Debug, Message = "librdkafka dead-letter producer {Level} {Facility}: {Message}")]
    private partial void LogClient(string level, string facility, string message);
}

using System.Text.Json;

namespace Laevitas.Tests.Recordings;

/// <summary>
/// Reads the recorded Deribit notifications of <c>Fixtures/deribit</c> (sources in its README). The <c>data</c> text is
/// the raw JSON of the recording, which is what the feed hands to an instrument grain.
/// </summary>
public static class DeribitRecordings
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "deribit");

    public static IReadOnlyList<RecordedNotification> All()
    {
        var files = Directory.GetFiles(Folder, "*.jsonl");
        Assert.NotEmpty(files);
        var notifications = new List<RecordedNotification>();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var line = 0;
            foreach (var text in File.ReadLines(file))
            {
                line++;
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }

                using var document = JsonDocument.Parse(text);
                var parameters = document.RootElement.GetProperty("params");
                notifications.Add(new RecordedNotification(
                    Path.GetFileName(file), line, text, parameters.GetProperty("channel").GetString()!, parameters.GetProperty("data").GetRawText()));
            }
        }

        return notifications;
    }

    /// <summary>The ticker notifications, in recording order.</summary>
    public static IReadOnlyList<RecordedNotification> Tickers() =>
        All().Where(n => n.Channel.StartsWith("ticker.", StringComparison.Ordinal)).ToList();

    /// <summary>The trade notifications, in recording order.</summary>
    public static IReadOnlyList<RecordedNotification> Trades() =>
        All().Where(n => n.Channel.StartsWith("trades.", StringComparison.Ordinal)).ToList();
}

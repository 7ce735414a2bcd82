using System.Globalization;

namespace Laevitas.Export;

/// <summary>Rows of <see cref="Table"/> whose exchange timestamp is in [<see cref="FromMs"/>, <see cref="ToMs"/>), as <see cref="Format"/>.</summary>
public sealed record ExportRequest(ExportTable Table, ExportFormat Format, long FromMs, long ToMs)
{
    /// <summary>e.g. <c>deribit_prices_20261201T000000Z_20261202T000000Z.parquet</c>.</summary>
    public string FileName => $"{Table.SqlName}_{Stamp(FromMs)}_{Stamp(ToMs)}.{Format.Extension()}";

    private static string Stamp(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
}

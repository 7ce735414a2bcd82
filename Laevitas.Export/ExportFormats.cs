namespace Laevitas.Export;

public static class ExportFormats
{
    public static ExportFormat? Find(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "csv" => ExportFormat.Csv,
        "parquet" => ExportFormat.Parquet,
        _ => null,
    };

    public static string ContentType(this ExportFormat format) =>
        format == ExportFormat.Csv ? "text/csv; charset=utf-8" : "application/vnd.apache.parquet";

    public static string Extension(this ExportFormat format) => format == ExportFormat.Csv ? "csv" : "parquet";
}

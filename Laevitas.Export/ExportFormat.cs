namespace Laevitas.Export;

public enum ExportFormat
{
    Csv,
    Parquet,
}

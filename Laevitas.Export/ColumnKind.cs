namespace Laevitas.Export;

/// <summary>The PostgreSQL column types the market-data tables use, as the exporters write them.</summary>
public enum ColumnKind
{
    Text,
    Double,
    Long,
    Int,
    Date,
    Timestamp,
}

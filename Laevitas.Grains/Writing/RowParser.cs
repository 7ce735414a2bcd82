namespace Laevitas.Grains.Writing;

/// <summary>
/// Parses one record's value into <paramref name="row"/>; false, with why, for a value that is not a usable record.
/// The payload parsers' signature (<see cref="TickPayloadParser.TryParse"/>, <c>TradePayloadParser.TryParse</c>), so a
/// writer grain passes its parser as it is.
/// </summary>
public delegate bool RowParser<TRow>(ReadOnlySpan<byte> json, long receivedAtMs, ref TRow row, out string? error);

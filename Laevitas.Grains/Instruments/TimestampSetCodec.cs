namespace Laevitas.Grains.Instruments;

/// <summary>
/// Packs an ascending list of exchange timestamps for <see cref="InstrumentState.AcceptedRecently"/>: the first as a
/// varint, then each gap to the previous one. A ticker's gaps are a few hundred milliseconds, so a timestamp costs
/// two bytes instead of eight (or about fourteen as JSON numbers), which matters for a state thousands of grains
/// write every persistence interval.
/// </summary>
internal static class TimestampSetCodec
{
    public static byte[] Encode(IReadOnlyList<long> ascending)
    {
        var buffer = new byte[ascending.Count * 10];
        var length = 0;
        long previous = 0;
        foreach (var timestamp in ascending)
        {
            if (timestamp < previous)
            {
                throw new ArgumentException("Timestamps must be ascending and not negative.", nameof(ascending));
            }

            length += WriteVarint(buffer.AsSpan(length), (ulong)(timestamp - previous));
            previous = timestamp;
        }

        return buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>The timestamps; a truncated or corrupt value yields what was read before the damage.</summary>
    public static List<long> Decode(byte[]? packed)
    {
        var result = new List<long>();
        if (packed is null)
        {
            return result;
        }

        long previous = 0;
        var position = 0;
        while (position < packed.Length)
        {
            ulong gap = 0;
            var shift = 0;
            byte b;
            do
            {
                if (position >= packed.Length || shift > 63)
                {
                    return result;
                }

                b = packed[position++];
                gap |= (ulong)(b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);

            previous += (long)gap;
            result.Add(previous);
        }

        return result;
    }

    private static int WriteVarint(Span<byte> into, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            into[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        into[i++] = (byte)value;
        return i;
    }
}

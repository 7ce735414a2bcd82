using System.Numerics;

namespace Laevitas.Diagnostics;

/// <summary>Raises a field shared between threads to a value only if that is higher, without a lock.</summary>
public static class AtomicMax
{
    /// <typeparam name="T"><see cref="int"/> or <see cref="long"/> (what <see cref="Interlocked"/> compares and swaps).</typeparam>
    public static void Raise<T>(ref T target, T value)
        where T : struct, IBinaryInteger<T>
    {
        // A stale first read costs one more round: the swap only succeeds against the value the field holds.
        var current = target;
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

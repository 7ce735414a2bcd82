using System.Runtime.InteropServices;

namespace Laevitas.Silo.Memory;

/// <summary>
/// glibc's <c>malloc_trim</c>: returns the free pages of the C heap to the operating system. librdkafka's buffers
/// (the producer's queue, the consumers' pre-fetch) live there, and glibc keeps freed pages mapped for reuse, so
/// without it the process's resident size stays at its high-water mark after a burst.
/// </summary>
internal static partial class NativeHeap
{
    /// <summary>Trims the C heap; false where there is no glibc (musl, macOS, Windows).</summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            MallocTrim(0);
            return true;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}

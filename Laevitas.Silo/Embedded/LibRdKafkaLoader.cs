using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Laevitas.Silo.Embedded;

/// <summary>
/// Makes <see cref="LibRdKafkaNative"/> bind to the librdkafka instance Confluent.Kafka already loaded.
/// </summary>
/// <remarks>
/// The NuGet package ships several builds of librdkafka (glibc, centos8, alpine) and Confluent.Kafka picks one
/// at run time, or loads a path the application handed to <c>Library.Load</c>. A plain <c>DllImport</c> from
/// this assembly could resolve to a different file; two librdkafka copies in one process would each have
/// their own globals, and mock handles from one must never be handed to the other. So the resolver lets
/// Confluent load first, then opens exactly the file that is mapped into the process (dlopen of an already
/// loaded file returns the same handle).
/// </remarks>
internal static class LibRdKafkaLoader
{
    private static readonly Lock Gate = new();
    private static bool resolverRegistered;
    private static nint handle;
    private static string? loadedPath;

    /// <summary>The librdkafka file both Confluent.Kafka and the embedded broker use, once loaded.</summary>
    internal static string? LoadedPath
    {
        get
        {
            lock (Gate)
            {
                return loadedPath;
            }
        }
    }

    internal static void EnsureResolverRegistered()
    {
        lock (Gate)
        {
            if (resolverRegistered)
            {
                return;
            }

            NativeLibrary.SetDllImportResolver(typeof(LibRdKafkaLoader).Assembly, Resolve);
            resolverRegistered = true;
        }
    }

    /// <summary>Every librdkafka file mapped into this process (Linux only; empty elsewhere).</summary>
    internal static IReadOnlyList<string> MappedLibrdkafkaFiles()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return [];
        }

        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(maps))
        {
            // Format: address perms offset dev inode [path]; the path is the last field and starts with '/'.
            var slash = line.IndexOf('/');
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..].Trim();
            if (Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal))
            {
                files.Add(path);
            }
        }

        return [.. files];
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibRdKafkaNative.LibraryName)
        {
            return 0; // not ours: default resolution
        }

        lock (Gate)
        {
            if (handle == 0)
            {
                (handle, loadedPath) = LoadConfluentsLibrary(searchPath);
            }

            return handle;
        }
    }

    private static (nint Handle, string? Path) LoadConfluentsLibrary(DllImportSearchPath? searchPath)
    {
        // Reading the version makes Confluent.Kafka load and check its librdkafka (it throws a clear error if it cannot).
        _ = Library.Version;

        var mapped = MappedLibrdkafkaFiles();
        if (mapped.Count == 1)
        {
            return (NativeLibrary.Load(mapped[0]), mapped[0]);
        }

        if (mapped.Count > 1)
        {
            throw new InvalidOperationException(
                $"Several librdkafka files are loaded in this process ({string.Join(", ", mapped)}); the embedded broker cannot tell which one Confluent.Kafka uses.");
        }

        // No /proc (not Linux): resolve the name exactly as Confluent.Kafka's own DllImport does.
        return (NativeLibrary.Load(LibRdKafkaNative.LibraryName, typeof(Library).Assembly, searchPath), null);
    }
}

using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Laevitas.Streaming.Kafka.Native;

/// <summary>
/// Makes an assembly's <c>LibraryImport("librdkafka")</c> functions bind to the librdkafka instance Confluent.Kafka already
/// loaded: this assembly's <see cref="LibRdKafkaPurge"/>, and the embedded broker's mock-cluster API in the local
/// infrastructure.
/// </summary>
/// <remarks>
/// The NuGet package ships several builds of librdkafka (glibc, centos8, alpine) and Confluent.Kafka picks one
/// at run time, or loads a path the application handed to <c>Library.Load</c>. A plain <c>DllImport</c> from
/// this assembly could resolve to a different file; two librdkafka copies in one process would each have
/// their own globals, and mock handles from one must never be handed to the other. So the resolver lets
/// Confluent load first, then opens exactly the file that is mapped into the process (dlopen of an already
/// loaded file returns the same handle).
/// </remarks>
public static class LibRdKafkaLoader
{
    /// <summary>The name every <c>LibraryImport</c> of librdkafka uses; this resolver maps it to Confluent's file.</summary>
    public const string LibraryName = "librdkafka";

    private static readonly Lock Gate = new();
    private static readonly HashSet<Assembly> RegisteredAssemblies = [];
    private static nint handle;
    private static string? loadedPath;

    /// <summary>The librdkafka file both Confluent.Kafka and the embedded broker use, once loaded.</summary>
    public static string? LoadedPath
    {
        get
        {
            lock (Gate)
            {
                return loadedPath;
            }
        }
    }

    /// <summary>Routes <paramref name="assembly"/>'s librdkafka imports through this resolver (once per assembly).</summary>
    public static void EnsureResolverRegistered(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        lock (Gate)
        {
            if (!RegisteredAssemblies.Add(assembly))
            {
                return;
            }

            NativeLibrary.SetDllImportResolver(assembly, Resolve);
        }
    }

    /// <summary>Every librdkafka file mapped into this process (Linux only; empty elsewhere).</summary>
    public static IReadOnlyList<string> MappedLibrdkafkaFiles()
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
        if (libraryName != LibraryName)
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
        return (NativeLibrary.Load(LibraryName, typeof(Library).Assembly, searchPath), null);
    }
}

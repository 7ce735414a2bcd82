using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Laevitas.Grains.Abstractions.Ticks;
using Microsoft.Extensions.Logging;

namespace Laevitas.Grains.Publishing;

/// <summary>
/// The publisher's second-level buffer: ticks that could not be handed to the Kafka producer, kept in order
/// in append-only segment files under one directory and read back oldest first.
/// </summary>
/// <remarks>
/// <para>Segment files are named by a sequence number (<c>00000000001000000000.spool</c>); reading goes through
/// them in that order and deletes each once it has been read completely and every record read from it has been
/// settled (<see cref="Acknowledge"/>: the broker acknowledged it, rejected it for good, or it was written again in
/// front of the spool), so a record handed to the producer stays on disk until the broker has it; an empty spool
/// leaves no files.
/// Segments left by a previous run are picked up at start and read first. Each record is one write to the OS
/// (unbuffered), so a write the disk refuses — full, or failing — refuses that record and only it: the tick is
/// refused like one past the byte bound, the segment ends at the last whole record, and appends are refused for
/// <see cref="WriteErrorBackoff"/> before the next try (a buffered stream would fail later, for records already
/// reported as appended). Nothing is fsynced per record: <see cref="Flush"/> does that for a group (SpoolGroupCommit).
/// A record cut short by a crash ends its segment.</para>
/// <para>Record: <c>u32 length</c> (of the rest) · <c>i64 timestamp</c> · <c>i64 received_at_ms</c> ·
/// <c>u16 name length</c> · name (UTF-8) · payload. Every file starts with <see cref="Magic"/>.</para>
/// <para>Thread-safe; all members take one lock.</para>
/// </remarks>
internal sealed partial class TickSpool : IDisposable
{
    private const string Extension = ".spool";
    private const string CursorFile = "cursor";
    private const int HeaderBytes = 4 + 8 + 8 + 2;
    private const long FirstSequence = 1_000_000_000L;

    // Any record longer than this is corruption, not a tick (Deribit ticker payloads are ~1-2 KB).
    private const int MaxRecordBytes = 16 * 1024 * 1024;

    /// <summary>The largest payload a record can carry and still be read back (with the longest name).</summary>
    internal const int MaxPayloadBytes = MaxRecordBytes - (HeaderBytes - 4) - ushort.MaxValue;
    internal const int MagicLength = 8;
    private static readonly byte[] Magic = "LVTSPL01"u8.ToArray();

    private readonly Lock sync = new();
    private readonly string directory;
    private readonly long maxBytes;
    private readonly long segmentBytes;
    private readonly ILogger logger;
    private readonly LinkedList<SpoolSegment> segments = new();

    // Records read out and not yet settled, and the segments they came from; fully read segments wait in retired
    // until their last record is settled. Reference equality: the publisher gets the very RawTick back in its
    // delivery report.
    private readonly Dictionary<RawTick, SpoolSegment> unacknowledged = new(ReferenceEqualityComparer.Instance);
    private readonly List<SpoolSegment> retired = [];
    private int unacknowledgedCount;
    private byte[] writeBuffer = new byte[4096];
    private byte[] readBuffer = new byte[4096];
    private SpoolSegment? writer;
    private FileStream? writeStream;
    private FileStream? readStream;
    private SpoolSegment? readSegment;
    private long pendingBytes;
    private long pendingRecords;
    private long nextSequence = FirstSequence;

    // Below every segment file this spool has named or found, including fully read ones kept until their records are
    // settled: a segment put in front takes the next number down, and must never reuse the name of one still on disk.
    private long lowestSequence = FirstSequence;
    private bool disposed;
    private long refuseWritesUntilMs;
    private string? lastWriteError;

    /// <summary>How long appends are refused after the disk refused a write, before the next try.</summary>
    public static readonly TimeSpan WriteErrorBackoff = TimeSpan.FromSeconds(1);

    /// <summary>The last write the disk refused (e.g. no space left), null while writes succeed.</summary>
    public string? LastWriteError => Volatile.Read(ref lastWriteError);

    public TickSpool(string directory, long maxBytes, long segmentBytes, ILogger logger)
    {
        this.directory = Path.GetFullPath(directory);
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        this.logger = logger;
        Directory.CreateDirectory(this.directory);
        Recover();
    }

    public string DirectoryPath => directory;

    /// <summary>Bytes of records not yet read back (file headers excluded).</summary>
    public long PendingBytes
    {
        get
        {
            lock (sync)
            {
                return pendingBytes;
            }
        }
    }

    public long PendingRecords
    {
        get
        {
            lock (sync)
            {
                return pendingRecords;
            }
        }
    }

    /// <summary>True while records read out of the spool wait to be settled (a cheap check before <see cref="Acknowledge"/>).</summary>
    public bool HasUnacknowledged => Volatile.Read(ref unacknowledgedCount) > 0;

    /// <summary>Segment files kept only because records read from them are not yet settled.</summary>
    public int RetiredSegments
    {
        get
        {
            lock (sync)
            {
                return retired.Count;
            }
        }
    }

    /// <summary>
    /// Settles a record read by <see cref="ReadBatch"/>: its segment file may go once all its records are settled.
    /// False when <paramref name="tick"/> did not come from the spool (or was settled already).
    /// </summary>
    public bool Acknowledge(RawTick tick)
    {
        lock (sync)
        {
            if (!unacknowledged.Remove(tick, out var segment))
            {
                return false;
            }

            Volatile.Write(ref unacknowledgedCount, unacknowledged.Count);
            segment.Unacknowledged--;
            if (segment.Unacknowledged == 0 && retired.Remove(segment))
            {
                TryDelete(segment.Path);
            }

            return true;
        }
    }

    public bool IsEmpty
    {
        get
        {
            lock (sync)
            {
                return pendingRecords == 0;
            }
        }
    }

    /// <summary>
    /// Appends a tick behind everything spooled; false when the spool is at its byte bound or the disk refused the
    /// write (<see cref="LastWriteError"/>): nothing of the tick is then kept.
    /// </summary>
    /// <exception cref="ArgumentException">The tick could not be read back (name or payload too long): refused, nothing written.</exception>
    public bool TryAppend(RawTick tick)
    {
        var nameBytes = Encoding.UTF8.GetByteCount(tick.InstrumentName);
        if (nameBytes > ushort.MaxValue)
        {
            throw new ArgumentException("Instrument name is too long to spool.", nameof(tick));
        }

        var recordBytes = HeaderBytes + nameBytes + tick.Payload.Length;
        if (recordBytes - 4 > MaxRecordBytes)
        {
            // Reading treats such a length as corruption and gives up on the rest of the segment: writing it would
            // lose every tick behind it.
            throw new ArgumentException($"A tick of {tick.Payload.Length} bytes is too large to spool (at most {MaxPayloadBytes}).", nameof(tick));
        }

        lock (sync)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (pendingBytes + recordBytes > maxBytes || Environment.TickCount64 < refuseWritesUntilMs)
            {
                return false;
            }

            if ((writer is null || writer.Length + recordBytes > segmentBytes) && !TryStartSegment())
            {
                return false;
            }

            if (writeBuffer.Length < recordBytes)
            {
                writeBuffer = new byte[Math.Max(recordBytes, writeBuffer.Length * 2)];
            }

            var span = writeBuffer.AsSpan(0, recordBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(recordBytes - 4));
            BinaryPrimitives.WriteInt64LittleEndian(span[4..], tick.Timestamp);
            BinaryPrimitives.WriteInt64LittleEndian(span[12..], tick.ReceivedAtMs);
            BinaryPrimitives.WriteUInt16LittleEndian(span[20..], (ushort)nameBytes);
            Encoding.UTF8.GetBytes(tick.InstrumentName, span.Slice(HeaderBytes, nameBytes));
            tick.Payload.CopyTo(span[(HeaderBytes + nameBytes)..]);
            try
            {
                writeStream!.Write(span);
            }
            catch (IOException ex)
            {
                // Part of the record may be in the file: the segment ends before it (its length is what is read),
                // and the next append starts a new one.
                WriteRefused(ex);
                EndWriterSegment();
                return false;
            }

            Volatile.Write(ref lastWriteError, null);
            writer!.Length += recordBytes;
            writer.Records++;
            pendingBytes += recordBytes;
            pendingRecords++;
            return true;
        }
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> of the oldest ticks into <paramref name="into"/>. They count as read (not
    /// pending) but stay on disk until each is settled with <see cref="Acknowledge"/>.
    /// </summary>
    public int ReadBatch(List<RawTick> into, int max)
    {
        lock (sync)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var read = 0;
            while (read < max && segments.First is { } node)
            {
                var segment = node.Value;
                if (segment.ReadPosition >= segment.Length)
                {
                    FinishSegment(node);
                    continue;
                }

                if (!ReferenceEquals(readSegment, segment))
                {
                    OpenForReading(segment);
                }

                if (TryReadRecord(segment, out var tick))
                {
                    into.Add(tick);
                    read++;
                    unacknowledged[tick] = segment;
                    segment.Unacknowledged++;
                    Volatile.Write(ref unacknowledgedCount, unacknowledged.Count);
                }
            }

            return read;
        }
    }

    /// <summary>
    /// Puts ticks in front of everything spooled (a new segment that sorts first), for ticks that were already
    /// ahead of the spool, e.g. taken back from the producer's queue at shutdown.
    /// </summary>
    public void PrependAndSync(IReadOnlyList<RawTick> ticks)
    {
        if (ticks.Count == 0)
        {
            return;
        }

        lock (sync)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var sequence = --lowestSequence;
            var segment = new SpoolSegment(sequence, SegmentPath(sequence)) { Length = Magic.Length };
            using (var stream = new FileStream(segment.Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024))
            {
                stream.Write(Magic);
                foreach (var tick in ticks)
                {
                    var bytes = Encode(tick);
                    stream.Write(bytes);
                    segment.Length += bytes.Length;
                    segment.Records++;
                    pendingBytes += bytes.Length;
                    pendingRecords++;
                }

                stream.Flush(flushToDisk: true);
            }

            segments.AddFirst(segment);
        }
    }

    /// <summary>Pushes buffered records to the OS, and with <paramref name="toDisk"/> to the disk.</summary>
    public void Flush(bool toDisk)
    {
        lock (sync)
        {
            if (!disposed)
            {
                writeStream?.Flush(toDisk);
            }
        }
    }

    public void Dispose()
    {
        lock (sync)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            writeStream?.Flush(flushToDisk: true);
            writeStream?.Dispose();
            readStream?.Dispose();
            if (pendingRecords == 0)
            {
                // Nothing left to replay: leave no empty segment behind (but keep any holding unsettled records).
                foreach (var segment in segments)
                {
                    if (segment.Unacknowledged == 0)
                    {
                        TryDelete(segment.Path);
                    }
                }
            }
            else if (segments.FirstOrDefault(x => x.ReadPosition > MagicLength) is { Unacknowledged: 0 } head)
            {
                // A segment was read part-way (only the one being read can be; segments put in front by
                // PrependAndSync are unread) and everything read from it is settled: remember where, so the next run
                // does not publish its first records again. With records unsettled, or after a crash, there is no
                // cursor and they are published twice; the writer stores a tick once.
                File.WriteAllText(
                    Path.Combine(directory, CursorFile),
                    string.Create(CultureInfo.InvariantCulture, $"{head.Sequence} {head.ReadPosition} {head.RecordsRead}"));
            }
        }
    }

    private static byte[] Encode(RawTick tick)
    {
        var nameBytes = Encoding.UTF8.GetByteCount(tick.InstrumentName);
        var bytes = new byte[HeaderBytes + nameBytes + tick.Payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)(bytes.Length - 4));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4), tick.Timestamp);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), tick.ReceivedAtMs);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(20), (ushort)nameBytes);
        Encoding.UTF8.GetBytes(tick.InstrumentName, bytes.AsSpan(HeaderBytes, nameBytes));
        tick.Payload.CopyTo(bytes.AsSpan(HeaderBytes + nameBytes));
        return bytes;
    }

    private bool TryReadRecord(SpoolSegment segment, out RawTick tick)
    {
        tick = null!;
        var remaining = segment.Length - segment.ReadPosition;
        Span<byte> lengthBytes = stackalloc byte[4];
        if (remaining < HeaderBytes || readStream!.ReadAtLeast(lengthBytes, 4, throwOnEndOfStream: false) < 4)
        {
            Truncated(segment, remaining);
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (length < HeaderBytes - 4 || length > MaxRecordBytes || length > remaining - 4)
        {
            Truncated(segment, remaining);
            return false;
        }

        var body = (int)length;
        if (readBuffer.Length < body)
        {
            readBuffer = new byte[Math.Max(body, readBuffer.Length * 2)];
        }

        var span = readBuffer.AsSpan(0, body);
        readStream.ReadExactly(span);
        var timestamp = BinaryPrimitives.ReadInt64LittleEndian(span);
        var receivedAt = BinaryPrimitives.ReadInt64LittleEndian(span[8..]);
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(span[16..]);
        if (18 + nameLength > body)
        {
            Truncated(segment, remaining);
            return false;
        }

        var name = Encoding.UTF8.GetString(span.Slice(18, nameLength));
        var payload = span[(18 + nameLength)..].ToArray();
        tick = new RawTick(name, timestamp, receivedAt, payload);
        segment.ReadPosition += 4 + body;
        segment.RecordsRead++;
        pendingBytes -= 4 + body;
        pendingRecords--;
        return true;
    }

    /// <summary>A record cut short (crash while writing) or corrupt: the rest of the segment is unreadable.</summary>
    private void Truncated(SpoolSegment segment, long remaining)
    {
        LogTruncatedSegment(logger, segment.Path, remaining);
        pendingBytes -= remaining;
        // The segment's record count was estimated at recovery; whatever was not read is gone.
        pendingRecords -= segment.Records - segment.RecordsRead;
        segment.ReadPosition = segment.Length;
        segment.Records = segment.RecordsRead;
    }

    private void OpenForReading(SpoolSegment segment)
    {
        readStream?.Dispose();
        readStream = new FileStream(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 256 * 1024);
        readStream.Position = segment.ReadPosition;
        readSegment = segment;
    }

    private void FinishSegment(LinkedListNode<SpoolSegment> node)
    {
        var segment = node.Value;
        if (ReferenceEquals(readSegment, segment))
        {
            readStream?.Dispose();
            readStream = null;
            readSegment = null;
        }

        if (segment == writer)
        {
            writeStream!.Dispose();
            writeStream = null;
            writer = null;
        }

        segments.Remove(node);
        if (segment.Unacknowledged == 0)
        {
            TryDelete(segment.Path);
        }
        else
        {
            // Read, but the broker does not have all of it yet: a crash now must find it again at the next start.
            retired.Add(segment);
        }
    }

    private bool TryStartSegment()
    {
        EndWriterSegment();
        var sequence = nextSequence++;
        var segment = new SpoolSegment(sequence, SegmentPath(sequence)) { Length = Magic.Length };
        FileStream? stream = null;
        try
        {
            // bufferSize 0: every record is one write, refused or taken whole (see the type's remarks).
            stream = new FileStream(segment.Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
            stream.Write(Magic);
        }
        catch (IOException ex)
        {
            stream?.Dispose();
            TryDelete(segment.Path);
            WriteRefused(ex);
            return false;
        }

        writer = segment;
        writeStream = stream;
        segments.AddLast(writer);
        return true;
    }

    /// <summary>Stops writing to the current segment; it stays to be read, up to its last whole record.</summary>
    private void EndWriterSegment()
    {
        writeStream?.Dispose();
        writeStream = null;
        writer = null;
    }

    private void WriteRefused(IOException error)
    {
        refuseWritesUntilMs = Environment.TickCount64 + (long)WriteErrorBackoff.TotalMilliseconds;
        Volatile.Write(ref lastWriteError, error.Message);
        LogWriteRefused(logger, directory, error.Message, WriteErrorBackoff.TotalSeconds);
    }

    private string SegmentPath(long sequence) =>
        Path.Combine(directory, sequence.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    /// <summary>Picks up segments a previous run left: their records are older than anything this run writes.</summary>
    private void Recover()
    {
        var found = new List<(long Sequence, string Path)>();
        foreach (var path in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                found.Add((sequence, path));
            }
        }

        found.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        if (found.Count > 0)
        {
            lowestSequence = Math.Min(lowestSequence, found[0].Sequence);
        }

        var cursor = ReadCursor();
        foreach (var (sequence, path) in found)
        {
            var segment = new SpoolSegment(sequence, path) { Length = new FileInfo(path).Length };
            if (!HasMagic(path))
            {
                LogForeignFile(logger, path);
                continue;
            }

            segment.ReadPosition = Magic.Length;
            segment.Records = CountRecords(path, segment.Length);
            if (cursor is { } c && c.Sequence == sequence && c.Position <= segment.Length && c.Records <= segment.Records)
            {
                segment.ReadPosition = c.Position;
                segment.RecordsRead = c.Records;
            }

            if (segment.Records - segment.RecordsRead == 0)
            {
                TryDelete(path);
                continue;
            }

            segments.AddLast(segment);
            pendingBytes += segment.Length - segment.ReadPosition;
            pendingRecords += segment.Records - segment.RecordsRead;
            nextSequence = Math.Max(nextSequence, sequence + 1);
        }

        if (pendingRecords > 0)
        {
            LogRecovered(logger, pendingRecords, pendingBytes, directory);
        }
    }

    /// <summary>Where the previous run stopped reading its head segment, if it stopped cleanly; consumed once.</summary>
    private (long Sequence, long Position, long Records)? ReadCursor()
    {
        var path = Path.Combine(directory, CursorFile);
        if (!File.Exists(path))
        {
            return null;
        }

        var parts = File.ReadAllText(path).Split(' ');
        TryDelete(path);
        return parts.Length == 3
               && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
               && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var position)
               && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var records)
            ? (sequence, position, records)
            : null;
    }

    private static bool HasMagic(string path)
    {
        Span<byte> head = stackalloc byte[8];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return stream.Read(head) == head.Length && head.SequenceEqual(Magic);
    }

    private static long CountRecords(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096);
        Span<byte> lengthBytes = stackalloc byte[4];
        var position = (long)Magic.Length;
        long records = 0;
        while (position + 4 <= length)
        {
            stream.Position = position;
            stream.ReadExactly(lengthBytes);
            var recordLength = BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
            if (recordLength < HeaderBytes - 4 || recordLength > MaxRecordBytes || position + 4 + recordLength > length)
            {
                break;
            }

            position += 4 + recordLength;
            records++;
        }

        return records;
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException ex)
        {
            LogDeleteFailed(logger, ex, path);
        }
        catch (UnauthorizedAccessException ex)
        {
            LogDeleteFailed(logger, ex, path);
        }
    }

    [LoggerMessage(EventId = 2222, Level = LogLevel.Warning, Message = "Tick spool {Directory} holds {Records} ticks ({Bytes} bytes) from an earlier run; they are published first")]
    private static partial void LogRecovered(ILogger logger, long records, long bytes, string directory);

    [LoggerMessage(EventId = 2223, Level = LogLevel.Error, Message = "Tick spool segment {Path} ends with {Bytes} unreadable bytes (cut short or corrupt); they are skipped")]
    private static partial void LogTruncatedSegment(ILogger logger, string path, long bytes);

    [LoggerMessage(EventId = 2210, Level = LogLevel.Error, Message = "Tick spool {Directory} could not write ({Error}); ticks are refused like past the spool's bound, next try in {Seconds} s")]
    private static partial void LogWriteRefused(ILogger logger, string directory, string error, double seconds);

    [LoggerMessage(EventId = 2224, Level = LogLevel.Warning, Message = "Ignoring {Path} in the tick spool directory: not a spool segment")]
    private static partial void LogForeignFile(ILogger logger, string path);

    [LoggerMessage(EventId = 2225, Level = LogLevel.Warning, Message = "Could not delete read tick spool segment {Path}")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string path);
}

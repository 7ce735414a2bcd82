namespace Laevitas.Feed;

/// <summary>
/// Result of one pass over a message: kinds and the byte ranges the caller slices out of its own buffer,
/// so parsing allocates nothing (only an escaped instrument name, which never happens in practice, allocates).
/// </summary>
internal struct ParsedFrame
{
    public FrameKind Kind;
    public FrameProblem Problem;

    public bool HasId;
    public long Id;

    /// <summary>Range of the <c>result</c> value of a response.</summary>
    public int ResultStart;
    public int ResultLength;

    public bool HasError;
    public int ErrorCode;
    public string? ErrorMessage;

    /// <summary>Range of <c>params.channel</c>'s UTF-8 text (unescaped unless <see cref="EscapedChannel"/> is set).</summary>
    public int ChannelStart;
    public int ChannelLength;
    public string? EscapedChannel;

    /// <summary>Range of the notification's <c>params.data</c> value (the tick payload).</summary>
    public int DataStart;
    public int DataLength;

    /// <summary>Range of <c>data.instrument_name</c>'s UTF-8 text (unescaped unless <see cref="EscapedName"/> is set).</summary>
    public int NameStart;
    public int NameLength;
    public string? EscapedName;

    public long Timestamp;
}

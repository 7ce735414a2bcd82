namespace Laevitas.Grains.Instruments;

/// <summary>What <see cref="AcceptWindow.Offer"/> decided about one tick.</summary>
internal enum AcceptDecision
{
    /// <summary>Newer than every accepted tick: published, and it becomes the instrument's state.</summary>
    Newer,

    /// <summary>Older than the newest, but never accepted: published, the state stays the newest.</summary>
    Late,

    /// <summary>This timestamp was accepted already (another feed's copy): dropped and counted.</summary>
    Duplicate,

    /// <summary>
    /// At or below the window's floor: older than anything the grain still remembers, so it cannot tell a copy from a
    /// tick no feed delivered within the horizon. Dropped and counted apart from copies.
    /// </summary>
    TooOld,
}

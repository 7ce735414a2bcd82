namespace Laevitas.Grains.Instruments;

/// <summary>What <see cref="AcceptWindow.Offer"/> decided about one tick.</summary>
internal enum AcceptDecision
{
    /// <summary>Newer than every accepted tick: published, and it becomes the instrument's state.</summary>
    Newer,

    /// <summary>Older than the newest, but never accepted: published, the state stays the newest.</summary>
    Late,

    /// <summary>Already accepted (or older than anything the grain can vouch for): dropped and counted.</summary>
    Duplicate,
}

using System.Net.WebSockets;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>
/// One queued outbound item. <see cref="Buffer"/> is rented from the shared array pool and returned by the sender
/// once written (or dropped). A struct so queuing a tick allocates nothing.
/// </summary>
internal readonly record struct OutboundFrame(
    FrameKind Kind,
    byte[]? Buffer,
    int Length,
    Subscriber? Subscriber = null,
    long Timestamp = 0,
    WebSocketCloseStatus CloseStatus = WebSocketCloseStatus.NormalClosure,
    string? CloseReason = null);

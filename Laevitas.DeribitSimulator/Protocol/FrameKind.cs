namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>What a connection's sender does with a queued frame.</summary>
internal enum FrameKind
{
    /// <summary>A JSON text message (response, heartbeat, injected fault).</summary>
    Text,

    /// <summary>A ticker notification: sent like text, then counted and recorded in the ledger.</summary>
    Tick,

    /// <summary>A heartbeat <c>test_request</c>: sent like text; the client's time to answer starts when it is sent.</summary>
    TestRequest,

    /// <summary>Send a close frame and stop (the exchange ending the session).</summary>
    Close,

    /// <summary>Send the buffer as an unfinished message, then drop the TCP connection (a truncated frame).</summary>
    PartialThenAbort,

    /// <summary>Drop the TCP connection without a close handshake.</summary>
    Abort,
}

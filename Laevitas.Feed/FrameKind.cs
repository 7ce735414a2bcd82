namespace Laevitas.Feed;

/// <summary>What a message from the exchange turned out to be.</summary>
public enum FrameKind
{
    /// <summary>A <c>ticker.*</c> subscription notification with instrument name and timestamp.</summary>
    Tick,

    /// <summary><c>heartbeat</c> with <c>type: test_request</c>: must be answered with <c>public/test</c>.</summary>
    TestRequest,

    /// <summary><c>heartbeat</c> with <c>type: heartbeat</c>: proof of life, nothing to do.</summary>
    Heartbeat,

    /// <summary>Answer to one of our requests (has <c>id</c> and <c>result</c> or <c>error</c>).</summary>
    Response,

    /// <summary>
    /// A <c>trades.*</c> subscription notification whose <c>data</c> is an array (of trades, checked one by one when
    /// the frame is split: <see cref="TradeSplitter"/>).
    /// </summary>
    Trades,

    /// <summary>
    /// An <c>instrument.state.{kind}.{currency}</c> notification (a listing created, started, settled, terminated…);
    /// its data object is read by <see cref="InstrumentStateParser"/>.
    /// </summary>
    InstrumentState,

    /// <summary>
    /// A <c>deribit_price_index.*</c>, <c>deribit_volatility_index.*</c> or <c>estimated_expiration_price.*</c>
    /// notification; its data object is read by <see cref="IndexValueParser"/>.
    /// </summary>
    IndexValue,

    /// <summary>Anything the feed cannot use; <see cref="ParsedFrame.Problem"/> says why.</summary>
    Unusable,
}

namespace Laevitas.Feed;

/// <summary>Why a message was unusable (reported in logs).</summary>
public enum FrameProblem
{
    None,
    InvalidJson,
    NotAnObject,
    WrongType,
    MissingField,
    UnknownMethod,
    UnknownChannel,
    MismatchedInstrument,
    Oversized,
    Binary,
}

namespace Laevitas.Grains.Abstractions.Api;

/// <summary>
/// What is wrong with a request, per parameter. The HTTP API returns it as a validation problem (RFC 9457
/// <c>errors</c> member); the client prints the messages and exits with the usage code.
/// </summary>
public sealed class RequestErrors
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool IsEmpty => errors.Count == 0;

    public void Add(string parameter, string message)
    {
        if (!errors.TryGetValue(parameter, out var list))
        {
            list = [];
            errors.Add(parameter, list);
        }

        list.Add(message);
    }

    public IDictionary<string, string[]> ToDictionary() =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>Every message, one per line (messages already name their parameter).</summary>
    public override string ToString() => string.Join(Environment.NewLine, errors.Values.SelectMany(v => v));
}

namespace Laevitas.Silo.Health;

/// <summary>Tags that select which checks <c>/health/live</c> and <c>/health/ready</c> run.</summary>
public static class HealthTags
{
    /// <summary>The process answers: restart it if not.</summary>
    public const string Live = "live";

    /// <summary>The silo can do its job: send it traffic (and count it in) only if so.</summary>
    public const string Ready = "ready";
}

namespace Laevitas.LocalInfrastructure.Processes;

/// <summary>The fields of /proc/&lt;pid&gt;/stat the private cluster uses.</summary>
internal readonly record struct ProcessStat(char State, int ParentPid, long StartTime);

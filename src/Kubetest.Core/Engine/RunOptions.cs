namespace Kubetest.Engine;

/// <summary>What the command line adds to the manifest.</summary>
/// <param name="ListKeys">Keys from <c>--list FILE</c>; they replace the manifest's key source.</param>
/// <param name="Durations">Past durations in seconds by key (<c>--timings REPORT</c>), for longest-first planning.</param>
public sealed record RunOptions(IReadOnlyList<string>? ListKeys = null, IReadOnlyDictionary<string, double>? Durations = null);

/// <summary>How the run ended: the final report, and whether it was stopped before its end.</summary>
public sealed record RunResult(Reporting.Report Report, bool Interrupted);

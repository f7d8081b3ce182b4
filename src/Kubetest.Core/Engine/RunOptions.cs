namespace Kubetest.Engine;

/// <summary>What the command line adds to the manifest.</summary>
/// <param name="ListKeys">Keys from <c>--list FILE</c>; they replace the manifest's key source.</param>
/// <param name="Durations">Past durations in seconds by key (<c>--timings REPORT</c>), for longest-first planning.</param>
/// <param name="AllowEmpty">Whether a run whose dynamic keys come out empty succeeds (<c>--allow-empty</c>) rather than failing as bad input.</param>
public sealed record RunOptions(IReadOnlyList<string>? ListKeys = null, IReadOnlyDictionary<string, double>? Durations = null, bool AllowEmpty = false);

/// <summary>How the run ended: the final report, whether it was stopped before its end, and whether its input (the keys) was unusable.</summary>
public sealed record RunResult(Reporting.Report Report, bool Interrupted, bool BadInput = false);

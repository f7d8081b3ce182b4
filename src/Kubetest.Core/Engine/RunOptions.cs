namespace Kubetest.Engine;

/// <summary>What the command line adds to the manifest.</summary>
/// <param name="ListKeys">Keys from <c>--list FILE</c>; they replace the manifest's key source.</param>
/// <param name="Durations">Past durations in seconds by key (<c>--timings REPORT</c>), for longest-first planning.</param>
/// <param name="AllowEmpty">Whether a run whose dynamic keys come out empty succeeds (<c>--allow-empty</c>) rather than failing as bad input.</param>
/// <param name="LogLevel">The lowest level written to the run's log file (the <c>log</c> volumes), as on the console.</param>
/// <param name="Live">Whether the log file gets output lines as they come (<c>--live</c>), as the console does.</param>
/// <param name="KeyTimeout"><c>--key-timeout</c>: replaces the manifest's <c>strategy.key.timeout</c>.</param>
/// <param name="FailFast"><c>--fail-fast</c>: as <c>strategy.failFast: true</c>.</param>
/// <param name="KeyTimeoutGrace">How long after a key's timeout kubetest cancels an exec its in-container watchdog did not end; null for <c>KeyTimeout.DefaultGrace</c> (10 s).</param>
/// <param name="CloneTimeout"><c>--clone-timeout</c>: the longest one git command of a repository checkout may take; null for <c>GitCheckout.DefaultCloneTimeout</c>.</param>
/// <param name="Notices">Lines the caller said before the run began (its warnings about the manifest and the command line, how the runtime was set up): the run reports them first, in order, through its reporters, so its log file has them too.</param>
/// <param name="IgnoreHostPathsBecause">Null to use the manifest's paths on this machine as the CLI does (its user's own);
/// else why they are not (a controller's run: they would be on the controller's filesystem, which no TestJob may read
/// or write): <c>exportArtifacts</c> are not exported and <c>clonedPath</c> is not used (the repository is cloned into the
/// run's directory), each said as a warning.</param>
/// <param name="GitHubApiUrl">The GitHub API for GitHub App tokens (<c>--github-api-url</c>; GitHub Enterprise Server's <c>https://HOST/api/v3</c>); null for api.github.com.</param>
public sealed record RunOptions(
    IReadOnlyList<string>? ListKeys = null,
    IReadOnlyDictionary<string, double>? Durations = null,
    bool AllowEmpty = false,
    LogLevel LogLevel = LogLevel.Info,
    bool Live = false,
    Uri? GitHubApiUrl = null,
    TimeSpan? KeyTimeout = null,
    bool FailFast = false,
    TimeSpan? KeyTimeoutGrace = null,
    TimeSpan? CloneTimeout = null,
    IReadOnlyList<LogEvent>? Notices = null,
    string? IgnoreHostPathsBecause = null);

/// <summary>How the run ended: the final report, whether it was stopped before its end, and whether its input (the keys) was unusable.</summary>
public sealed record RunResult(Reporting.Report Report, bool Interrupted, bool BadInput = false);

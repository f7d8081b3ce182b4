using System.CommandLine;
using Kubetest.Reporting;

namespace Kubetest.Cli;

/// <summary>The options of the original CLI, plus the runtime and live output.</summary>
public sealed class CliOptions
{
    public Argument<string> File { get; } = new("FILE") { Description = "the TestJob manifest (YAML or JSON)" };

    public Option<string?> Namespace { get; } = new("--namespace", "-n") { Description = "the namespace (default: the manifest's metadata.namespace, else the kubeconfig context's namespace, else default; must agree with the manifest's)" };

    public Option<string?> Context { get; } = new("--context") { Description = "the kubeconfig context to use (default: its current-context; kubernetes runtime)" };

    public Option<bool> InCluster { get; } = new("--in-cluster") { Description = "specify whether in cluster" };

    public Option<string?> Config { get; } = new("--config", "-c") { Description = "kubeconfig path (default: the files of $KUBECONFIG merged as kubectl does, else $HOME/.kube/config)" };

    public Option<string?> List { get; } = new("--list") { Description = "specify path to get the list for test: static keys, one per line" };

    public Option<string?> LogLevel { get; } = new("--log-level") { Description = "specify log level (debug/info/warn/error)" };

    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "specify dry run mode: print the Kubernetes objects that would be created, run nothing" };

    public Option<string[]> Template { get; } = new("--template")
    {
        Description = "specify template parameter for testjob file, as key=value ( repeatable )",
        DefaultValueFactory = _ => [],
    };

    public Option<string?> Output { get; } = new("--output", "-o") { Description = "specify output path of report" };

    public Option<string?> JUnit { get; } = new("--junit")
    {
        Description = "also write the run as JUnit XML to this path, for CI systems: one testcase per key, failures with their output tail, flaky keys as flakyFailure",
    };

    public Option<string?> Html { get; } = new("--html")
    {
        Description = "also write the run as one self-contained HTML page to this path: a timeline of the keys over the pods' slots, totals, the makespan against its lower bound, filters for failed and flaky keys, each key's output tail",
    };

    public Option<string> Runtime { get; } = new("--runtime")
    {
        Description = "where pods run: kubernetes (the cluster of the kubeconfig), or local (processes on this machine, sandboxed with bwrap when available)",
        DefaultValueFactory = _ => "kubernetes",
    };

    public Option<string[]> Timings { get; } = new("--timings")
    {
        Description = "past durations: a report of an earlier run (this tool's or the original's) or JUnit XML (a testcase's time counts for the key named like its name and the key named like its classname); keys start longest-first and go to the least-loaded pod. Repeatable: a key's duration is the mean of the files that know it; keys no file knows count as the median",
        DefaultValueFactory = _ => [],
    };

    public Option<TimeSpan?> KeyTimeout { get; } = new("--key-timeout")
    {
        Description = "the longest one run of a key may take, e.g. 90s, 10m, 1h30m (replaces strategy.key.timeout); a key that takes longer is killed with everything it started and fails with exit code 124",
        CustomParser = result => Durations.Parse(result),
    };

    public Option<bool> FailFast { get; } = new("--fail-fast")
    {
        Description = "as strategy.failFast: after the first key that failed (after its retests), no new key starts; running keys finish, the rest are reported unknown",
    };

    public Option<string?> RerunFailed { get; } = new("--rerun-failed")
    {
        Description = "a report of an earlier run: run only its keys that did not pass (failure, error, unknown) instead of the manifest's keys; none is an error unless --allow-empty",
    };

    public Option<int> PendingTimeout { get; } = new("--pending-timeout")
    {
        Description = "kubernetes runtime: seconds a pod may stay Pending before the run gives up on it",
        DefaultValueFactory = _ => 600,
    };

    public Option<TimeSpan> AgentReadyTimeout { get; } = new("--agent-ready-timeout")
    {
        Description = "kubernetes runtime: how long a running pod's kubetest-agent may take to answer before the pod counts as failed, e.g. 2m, 90s (default 60s)",
        DefaultValueFactory = _ => global::Kubetest.Runtime.Kubernetes.KubernetesRuntimeOptions.DefaultAgentReadyTimeout,
        CustomParser = Durations.Parse,
    };

    public Option<string?> SecretsDir { get; } = new("--secrets-dir")
    {
        Description = "local runtime: read Secrets from DIR/<secret>/<key> files (else KUBETEST_SECRET_<SECRET>_<KEY> variables)",
    };

    public Option<string?> GitHubApiUrl { get; } = new("--github-api-url")
    {
        Description = "the GitHub API for GitHub App tokens, e.g. https://HOST/api/v3 for GitHub Enterprise Server (else $KUBETEST_GITHUB_API_URL, $GITHUB_API_URL, https://api.github.com)",
    };

    public Option<bool> Live { get; } = new("--live") { Description = "print output lines as they come, prefixed by their key, instead of one block per key" };

    public Option<bool> AllowEmpty { get; } = new("--allow-empty")
    {
        Description = "succeed with totalNum 0 when the dynamic key command prints no keys or the filter matches none (otherwise exit 3)",
    };

    public Option<TimeSpan> MaxRunTime { get; } = new("--max-run-time")
    {
        Description = "kubernetes runtime: the longest the run's pods may live, e.g. 6h, 90m, 45s; their Jobs' activeDeadlineSeconds, so pods of a killed run end by themselves (default 6h)",
        DefaultValueFactory = _ => global::Kubetest.Runtime.JobLifecycle.DefaultMaxRunTime,
        CustomParser = Durations.Parse,
    };

    public Option<TimeSpan> CloneTimeout { get; } = new("--clone-timeout")
    {
        Description = "the longest each git command of a repository checkout (ls-remote, clone, each fetch) may take, e.g. 10m, 90s (default 5m); git is then stopped with everything it started and the run fails naming the repository",
        DefaultValueFactory = _ => global::Kubetest.Repositories.GitCheckout.DefaultCloneTimeout,
        CustomParser = Durations.Parse,
    };

    /// <summary><c>kubetest gc</c>: its own options and command.</summary>
    public GcOptions Gc { get; } = new();

    public RootCommand CreateRootCommand()
    {
        LogLevel.AcceptOnlyFromAmong("debug", "info", "warn", "error");
        Runtime.AcceptOnlyFromAmong("local", "kubernetes");
        Template.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (value.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    result.AddError($"--template expects key=value, got \"{value}\"");
                }
            }
        });
        return new RootCommand("Runs a TestJob: splits a long task into keys and runs them in parallel across pods. 'kubetest gc --help': deleting what killed runs left behind. 'kubetest schema': the manifest's JSON Schema.")
        {
            File, Namespace, Context, InCluster, Config, List, LogLevel, DryRun, Template, Output, JUnit, Html, Runtime, PendingTimeout, AgentReadyTimeout, MaxRunTime, CloneTimeout, Timings, KeyTimeout, FailFast, RerunFailed, Live, AllowEmpty, SecretsDir, GitHubApiUrl,
        };
    }

    public static Reporting.LogLevel? ParseLevel(string? level) => level switch
    {
        "debug" => Reporting.LogLevel.Debug,
        "info" => Reporting.LogLevel.Info,
        "warn" => Reporting.LogLevel.Warn,
        "error" => Reporting.LogLevel.Error,
        _ => null,
    };
}

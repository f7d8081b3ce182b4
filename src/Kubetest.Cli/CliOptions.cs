using System.CommandLine;

namespace Kubetest.Cli;

/// <summary>The options of the original CLI, plus the runtime and live output.</summary>
public sealed class CliOptions
{
    /// <summary>The longest <c>--clone-timeout</c>: a day of one git command is a hang, not a slow server.</summary>
    public static readonly TimeSpan MaxCloneTimeout = TimeSpan.FromHours(24);

    public CliOptions()
    {
        GcCommand = Gc.CreateCommand();
        ControllerCommand = Controller.CreateCommand();
    }

    public Argument<string> File { get; } = new("FILE") { Description = "the TestJob manifest (YAML or JSON)" };

    public Option<string?> Namespace { get; } = new("--namespace", "-n") { Description = "the namespace (default: the manifest's metadata.namespace, else the kubeconfig context's namespace, else default; must agree with the manifest's)" };

    public Option<string?> Context { get; } = new("--context") { Description = "the kubeconfig context to use (default: its current-context; kubernetes runtime)" };

    public Option<bool> InCluster { get; } = new("--in-cluster") { Description = "specify whether in cluster" };

    public Option<string?> Config { get; } = new("--config", "-c", "--kubeconfig") { Description = "kubeconfig path (default: the files of $KUBECONFIG merged as kubectl does, else $HOME/.kube/config)" };

    public Option<string?> List { get; } = new("--list") { Description = "specify path to get the list for test: static keys, one per line" };

    public Option<string?> LogLevel { get; } = new("--log-level")
    {
        Description = "specify log level (debug/info/warn/error, any case)",
        HelpName = "debug|info|warn|error",
        CustomParser = ParseLevelOption,
    };

    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "specify dry run mode: print the Kubernetes objects that would be created, run nothing" };

    public Option<string[]> Template { get; } = new("--template")
    {
        Description = "specify template parameter for testjob file, as key=value ( repeatable )",
        DefaultValueFactory = _ => [],
    };

    public Option<string?> Output { get; } = new("--output", "-o") { Description = "specify output path of report (- is stdout, where the report goes anyway)" };

    public Option<string?> JUnit { get; } = new("--junit")
    {
        Description = "also write the run as JUnit XML to this path, for CI systems: one testcase per key, failures with their output tail, flaky keys as flakyFailure; - writes it to stdout instead of the JSON report",
    };

    public Option<string?> Html { get; } = new("--html")
    {
        Description = "also write the run as one self-contained HTML page to this path: a timeline of the keys over the pods' slots, totals, the makespan against its lower bound, filters for failed and flaky keys, each key's output tail; - writes it to stdout instead of the JSON report",
    };

    public Option<string> Runtime { get; } = new("--runtime")
    {
        Description = "where pods run: kubernetes (the cluster of the kubeconfig), or local (processes on this machine, sandboxed with bwrap when available)",
        DefaultValueFactory = _ => RuntimeKind.Kubernetes.Name(),
    };

    public Option<string[]> Timings { get; } = new("--timings")
    {
        Description = "past durations: a report of an earlier run (this tool's or the original's) or JUnit XML (a testcase's time counts for the key named like its name and the key named like its classname); keys start longest-first and go to the least-loaded pod. Repeatable: a key's duration is the mean of the files that know it; keys no file knows count as the median",
        DefaultValueFactory = _ => [],
    };

    public Option<TimeSpan?> TargetTime { get; } = new("--target-time")
    {
        Description = "with --dry-run and past durations (--timings or the timing store): also print the smallest pod count whose expected makespan is at most this, e.g. 20m, 1h30m, or whole seconds (the dry run's fleet sizing table shows the makespan for other counts)",
        CustomParser = result =>
        {
            var target = Durations.Parse(result);
            if (target <= TimeSpan.Zero && result.Tokens.Count > 0 && Model.GoDuration.TryParse(result.Tokens[0].Value, out _))
            {
                result.AddError($"--target-time must be above 0, got {Model.GoDuration.Format(target)}");
            }

            return target;
        },
    };

    public Option<string?> TimingsStore { get; } = new("--timings-store")
    {
        Description = "where past durations are kept between runs, read before planning and merged with this run's at its end: none, cluster (a ConfigMap in the run's namespace; the default on the kubernetes runtime) or a FILE (the default on the local runtime: $XDG_CACHE_HOME/kubetest/NAMESPACE/NAME.json, ~/.cache without XDG_CACHE_HOME); --timings replaces what it holds for the run's plan",
        HelpName = "none|cluster|FILE",
    };

    public Option<TimeSpan?> KeyTimeout { get; } = Duration("--key-timeout", $"the longest one run of a key may take, e.g. 90s, 10m, 1h30m, at most {Model.GoDuration.Format(Model.Strategy.MaxKeyTimeout)}, in whole seconds (a part of one rounds up) (replaces strategy.key.timeout); a key that takes longer is killed with everything it started and fails with exit code 124", max: Model.Strategy.MaxKeyTimeout);

    public Option<bool> FailFast { get; } = new("--fail-fast")
    {
        Description = "as strategy.failFast: after the first key that failed (after its retests), no new key starts; running keys finish, the rest are reported unknown",
    };

    public Option<string?> RerunFailed { get; } = new("--rerun-failed")
    {
        Description = "a report of an earlier run: run only its keys that did not pass (failure, error, unknown) instead of the manifest's keys; none is an error unless --allow-empty",
    };

    public Option<TimeSpan?> PendingTimeout { get; } = Duration("--pending-timeout", "kubernetes runtime: how long a pod may stay Pending before the run gives up on it, e.g. 10m, 90s, or whole seconds (while it waits, an [INFO] line names the Pending pods and their reason)", defaultValue: global::Kubetest.Runtime.Kubernetes.KubernetesRuntimeOptions.DefaultPendingTimeout);

    public Option<TimeSpan?> AgentReadyTimeout { get; } = Duration("--agent-ready-timeout", "kubernetes runtime: how long a running pod's kubetest-agent may take to answer before the pod counts as failed, e.g. 2m, 90s", defaultValue: global::Kubetest.Runtime.Kubernetes.KubernetesRuntimeOptions.DefaultAgentReadyTimeout);

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

    public Option<TimeSpan?> MaxRunTime { get; } = Duration("--max-run-time", "kubernetes runtime: the longest the run's pods may live, e.g. 6h, 90m, 45s; their Jobs' activeDeadlineSeconds (whole seconds, rounded up), so pods of a killed run end by themselves", defaultValue: global::Kubetest.Runtime.JobLifecycle.DefaultMaxRunTime);

    public Option<TimeSpan?> CloneTimeout { get; } = Duration("--clone-timeout", $"the longest each git command of a repository checkout (ls-remote, clone, each fetch) may take, e.g. 10m, 90s, at most {Model.GoDuration.Format(MaxCloneTimeout)}; git is then stopped with everything it started and the run fails naming the repository", defaultValue: global::Kubetest.Repositories.GitCheckout.DefaultCloneTimeout, max: MaxCloneTimeout);

    /// <summary><c>kubetest gc</c>: its own options and command.</summary>
    public GcOptions Gc { get; } = new();

    /// <summary><c>kubetest gc</c> with its options.</summary>
    public Command GcCommand { get; }

    /// <summary>The options of <c>kubetest controller</c>.</summary>
    public Controller.ControllerOptions Controller { get; } = new();

    /// <summary><c>kubetest controller</c>.</summary>
    public Command ControllerCommand { get; }

    /// <summary>The first word that prints the manifest schema; a manifest file called schema runs as <c>kubetest ./schema</c>.</summary>
    public const string SchemaName = "schema";

    private const string SchemaDescription = "Prints the JSON Schema (draft 2020-12) of a TestJob manifest, e.g. for yaml-language-server: kubetest schema > testjob.schema.json, then # yaml-language-server: $schema=./testjob.schema.json in the manifest. A manifest file called schema runs as: kubetest ./schema";

    /// <summary><c>kubetest schema</c>, which takes nothing.</summary>
    public Command Schema { get; } = new(SchemaName, SchemaDescription);

    /// <summary>The first word that prints the TestJob CustomResourceDefinition; a manifest file called crd runs as <c>kubetest ./crd</c>.</summary>
    public const string CrdName = "crd";

    private const string CrdDescription = "Prints the YAML of the TestJob CustomResourceDefinition (testjobs.kubetest.io, v1), its schema generated from the same declarations as kubetest schema: kubetest crd | kubectl apply -f - (deploy/crd.yaml holds the same). A manifest file called crd runs as: kubetest ./crd";

    /// <summary><c>kubetest crd</c>, which takes nothing.</summary>
    public Command Crd { get; } = new(CrdName, CrdDescription);

    /// <summary>The report options whose value <c>-</c> means stdout; at most one may take it.</summary>
    public IEnumerable<(string Flag, Option<string?> Option)> Reports => [("-o", Output), ("--junit", JUnit), ("--html", Html)];

    /// <summary>
    /// <c>kubetest gc …</c>, <c>kubetest schema</c> and <c>kubetest crd</c>, chosen by the first word only: under a root of
    /// their own, without the run's FILE, so their help reads <c>Usage: kubetest gc [options]</c>.
    /// </summary>
    public RootCommand CreateCommandsRoot() => new("kubetest's commands") { GcCommand, Schema, Crd, ControllerCommand };

    /// <summary>
    /// The run's command. <c>gc</c> and <c>schema</c> appear in it only so that <c>--help</c> lists them
    /// (<see cref="CreateCommandsRoot"/> runs them); reached here, a word that is not first, they are refused.
    /// </summary>
    public RootCommand CreateRootCommand()
    {
        Runtime.AcceptOnlyFromAmong([.. RuntimeKinds.Names]);
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
        var root = new RootCommand("Runs a TestJob: splits a long task into keys and runs them in parallel across pods.")
        {
            new Command(GcOptions.Name, GcOptions.Description), new Command(SchemaName, SchemaDescription), new Command(CrdName, CrdDescription), new Command(Kubetest.Cli.Controller.ControllerOptions.Name, Kubetest.Cli.Controller.ControllerOptions.Description), File, Namespace, Context, InCluster, Config, List, LogLevel, DryRun, Template, Output, JUnit, Html, Runtime, PendingTimeout, AgentReadyTimeout, MaxRunTime, CloneTimeout, Timings, TimingsStore, TargetTime, KeyTimeout, FailFast, RerunFailed, Live, AllowEmpty, SecretsDir, GitHubApiUrl,
        };
        root.Validators.Add(result =>
        {
            var toStdout = Reports.Where(r => result.GetValue(r.Option) == OutputPaths.Stdout).Select(r => r.Flag).ToList();
            if (toStdout.Count > 1)
            {
                result.AddError($"{string.Join(", ", toStdout[..^1])} and {toStdout[^1]} {(toStdout.Count == 2 ? "both" : "all")} write to stdout (-); at most one of -o, --junit and --html may be -");
            }

            // The answer is a line of the dry run's plan, computed from past durations: a run has nothing to do with it.
            // Only whether it was given: its value is checked by its own parser (GetValue would throw on a bad one).
            var target = result.GetResult(TargetTime) is { Implicit: false };
            if (target && !result.GetValue(DryRun))
            {
                result.AddError("--target-time only sizes the fleet in the dry run's plan: pass --dry-run (a run does not use it)");
            }
            else if (target && (result.GetValue(Timings) ?? []).Length == 0 && result.GetValue(TimingsStore) == TimingStoreChoice.NoneValue)
            {
                result.AddError("--target-time needs past durations to size the fleet: pass --timings FILE (a report or JUnit XML of an earlier run), or keep the timing store (not --timings-store none)");
            }
        });
        return root;
    }

    /// <summary><c>--log-level</c> in any case (<c>INFO</c>, <c>Warn</c>), as the lower-case name.</summary>
    private static string? ParseLevelOption(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        if (ParseLevel(text) is not null)
        {
            return text.ToLowerInvariant();
        }

        result.AddError($"--log-level expects debug, info, warn or error (in any case), got \"{Model.Printable.Escape(text)}\"");
        return null;
    }

    /// <summary>An option that takes a duration (<see cref="Durations"/>), at most <paramref name="max"/>; its default, when it has one, ends its help as <c>[default: D]</c>.</summary>
    private static Option<TimeSpan?> Duration(string name, string description, TimeSpan? defaultValue = null, TimeSpan? max = null) => new(name)
    {
        Description = defaultValue is { } value ? $"{description} [default: {Model.GoDuration.Format(value)}]" : description,
        CustomParser = result => Durations.Parse(result, max),
    };

    public static Reporting.LogLevel? ParseLevel(string? level) => level?.ToLowerInvariant() switch
    {
        "debug" => Reporting.LogLevel.Debug,
        "info" => Reporting.LogLevel.Info,
        "warn" => Reporting.LogLevel.Warn,
        "error" => Reporting.LogLevel.Error,
        _ => null,
    };
}

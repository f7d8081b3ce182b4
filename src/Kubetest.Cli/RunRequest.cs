using System.CommandLine;
using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Cli;

/// <summary>
/// <c>kubetest [OPTIONS] FILE</c> checked once, before anything runs: every file read, every option
/// parsed and reconciled with the manifest. Nothing after <see cref="ReadAsync"/> looks at the command line.
/// </summary>
/// <param name="File">The manifest as named on the command line.</param>
/// <param name="Options">What the command line adds to the manifest: the engine's input.</param>
/// <param name="ReportPath"><c>-o</c>; <c>-</c> is stdout.</param>
/// <param name="JUnitPath"><c>--junit</c>; <c>-</c> writes it to stdout instead of the JSON report.</param>
/// <param name="HtmlPath"><c>--html</c>; <c>-</c> writes it to stdout instead of the JSON report.</param>
/// <param name="TimingStore"><c>--timings-store</c>, or its default for the runtime; none for a TestJob without keys.</param>
internal sealed record RunRequest(
    string File,
    TestJob Job,
    RunOptions Options,
    RuntimeChoice Runtime,
    bool DryRun,
    string? ReportPath,
    string? JUnitPath,
    string? HtmlPath,
    TimingStoreChoice TimingStore)
{
    /// <summary><c>--target-time</c> (only with <c>--dry-run</c> and <c>--timings</c>), or null.</summary>
    public TimeSpan? TargetTime { get; init; }

    /// <summary>
    /// Reads and checks everything a run needs; a user mistake throws <see cref="UserInputException"/>.
    /// What it has to say (manifest warnings, options the runtime ignores) goes to <paramref name="lines"/>, in order.
    /// </summary>
    public static async Task<RunRequest> ReadAsync(CliOptions options, ParseResult parseResult, EarlyLines lines, CancellationToken cancellationToken)
    {
        // Before anything is read or run: a report that cannot be written fails now, not after the run.
        OutputPaths.Check(options.Reports.Select(r => (r.Flag, parseResult.GetValue(r.Option))));

        var file = parseResult.GetValue(options.File)!;
        var text = await InputFiles.ReadAsync(file, "manifest", InputLimits.MaxManifestChars, cancellationToken).ConfigureAwait(false);
        var listKeys = await KeysAsync(options, parseResult, cancellationToken).ConfigureAwait(false);
        var sources = new List<IReadOnlyDictionary<string, double>>();
        foreach (var timingsFile in parseResult.GetValue(options.Timings) ?? [])
        {
            sources.Add(PastRuns.ReadDurations(await InputFiles.ReadAsync(timingsFile, "--timings file", InputFiles.MaxSideFileBytes, cancellationToken, strict: true).ConfigureAwait(false), timingsFile));
        }

        var keyTimeout = parseResult.GetValue(options.KeyTimeout) is { } limit ? GoDuration.WholeSecondsUp(limit) : (TimeSpan?)null;
        var parameters = (parseResult.GetValue(options.Template) ?? [])
            .Select(p => p.Split('=', 2))
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        var loaded = ManifestLoader.Load(text, file, parameters, keysFromListFile: listKeys is not null);
        var job = loaded.Job;
        if (listKeys is not null && job.Spec.MainStep.Strategy is null)
        {
            var option = parseResult.GetValue(options.RerunFailed) is null ? "--list" : "--rerun-failed";
            throw new UserInputException($"{option}: {file} has no spec.mainStep.strategy, so there is nothing to give keys to");
        }

        if ((keyTimeout is not null || parseResult.GetValue(options.FailFast)) && job.Spec.MainStep.Strategy is null)
        {
            throw new UserInputException($"--key-timeout and --fail-fast apply to keys, and {file} has no spec.mainStep.strategy");
        }

        var level = CliOptions.ParseLevel(parseResult.GetValue(options.LogLevel)) ?? CliOptions.ParseLevel(job.Spec.Log.Level) ?? LogLevel.Info;
        var runOptions = new RunOptions(
            ListKeys: listKeys,
            Durations: sources.Count == 0 ? null : PastRuns.Combine(sources),
            AllowEmpty: parseResult.GetValue(options.AllowEmpty),
            LogLevel: level,
            Live: parseResult.GetValue(options.Live),
            GitHubApiUrl: GitHubApiUrl(parseResult.GetValue(options.GitHubApiUrl)),
            KeyTimeout: keyTimeout,
            FailFast: parseResult.GetValue(options.FailFast),
            CloneTimeout: parseResult.GetValue(options.CloneTimeout));
        lines.Level = level;
        foreach (var warning in loaded.Warnings)
        {
            lines.Add(LogLevel.Warn, $"{file}: {warning}");
        }

        var kind = RuntimeKinds.Parse(parseResult.GetValue(options.Runtime)!);
        var dryRun = parseResult.GetValue(options.DryRun);
        if (kind == RuntimeKind.Local && job.Spec.AgentContainers() is { Count: > 0 } agents)
        {
            // Said once, so a manifest written for the agent never runs the other way without a word.
            lines.Add(LogLevel.Debug, $"{file}: agent is set on {string.Join(", ", agents.Select(Printable.Escape))}: the local runtime runs their commands directly");
        }

        if (kind == RuntimeKind.Kubernetes && job.Spec.AgentContainersRunningTheirOwnCommand() is { Count: > 0 } unused)
        {
            lines.Add(LogLevel.Warn, $"{file}: agent is set on {string.Join(", ", unused.Select(Printable.Escape))}: init containers and sidecars run their own command, so kubetest-agent is used only in the main container, its key containers and the finalizer");
        }

        var runtime = ChooseRuntime(kind, options, parseResult, job, dryRun, lines);
        var store = TimingStoreChoice.Parse(parseResult.GetValue(options.TimingsStore), kind, runtime.Namespace, job.Metadata.Name ?? "testjob", lines);
        if (job.Spec.MainStep.Strategy is null)
        {
            // Without keys there is nothing to balance, and nothing to keep.
            store = TimingStoreChoice.None;
        }

        return new RunRequest(file, job, runOptions, runtime, dryRun, parseResult.GetValue(options.Output), parseResult.GetValue(options.JUnit), parseResult.GetValue(options.Html), store)
        {
            TargetTime = parseResult.GetValue(options.TargetTime),
        };
    }

    /// <summary>The keys of <c>--list</c> or <c>--rerun-failed</c>, or null when neither gives them.</summary>
    private static async Task<IReadOnlyList<string>?> KeysAsync(CliOptions options, ParseResult parseResult, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? listKeys = null;
        if (parseResult.GetValue(options.List) is string listFile)
        {
            var list = await InputFiles.ReadAsync(listFile, "--list file", InputFiles.MaxSideFileBytes, cancellationToken).ConfigureAwait(false);
            if (list.IndexOf('\0', StringComparison.Ordinal) is var nul and >= 0)
            {
                // An environment variable cannot hold a NUL: the key would silently be cut short.
                throw new UserInputException($"--list: line {1 + list.AsSpan(0, nul).Count('\n')} of {listFile} contains a NUL character");
            }

            listKeys = KeySplitter.ListFile(list);
            if (listKeys.Count == 0)
            {
                throw new UserInputException($"--list: the file {listFile} has no keys (one key per line)");
            }
        }

        if (parseResult.GetValue(options.RerunFailed) is string rerunFile)
        {
            if (listKeys is not null)
            {
                throw new UserInputException("--rerun-failed and --list both give the keys to run; pass one of them");
            }

            listKeys = PastRuns.FailedKeys(await InputFiles.ReadAsync(rerunFile, "--rerun-failed report", InputFiles.MaxSideFileBytes, cancellationToken).ConfigureAwait(false), rerunFile);
            if (listKeys.Count == 0 && !parseResult.GetValue(options.AllowEmpty))
            {
                throw new UserInputException($"--rerun-failed: every key of {rerunFile} passed, so there is nothing to rerun (pass --allow-empty to accept a run without keys)");
            }
        }

        return listKeys;
    }

    /// <summary>The runtime with what it needs, checked: the kubeconfig loaded, the sandbox setting read, the secrets directory there.</summary>
    private static RuntimeChoice ChooseRuntime(RuntimeKind kind, CliOptions options, ParseResult parseResult, TestJob job, bool dryRun, EarlyLines lines)
    {
        var target = kind == RuntimeKind.Kubernetes ? LoadCluster(options, parseResult, job, dryRun) : null;
        var @namespace = Namespace(parseResult.GetValue(options.Namespace), job.Metadata.NamespaceProperty, parseResult.GetValue(options.File)!) ?? target?.ContextNamespace ?? "default";
        var runtime = new RuntimeChoice(
            Kind: kind,
            Cluster: target,
            Namespace: @namespace,
            PendingTimeout: parseResult.GetValue(options.PendingTimeout) ?? KubernetesRuntimeOptions.DefaultPendingTimeout,
            MaxRunTime: parseResult.GetValue(options.MaxRunTime) ?? JobLifecycle.DefaultMaxRunTime,
            SecretsDirectory: parseResult.GetValue(options.SecretsDir),
            AgentReadyTimeout: parseResult.GetValue(options.AgentReadyTimeout) ?? KubernetesRuntimeOptions.DefaultAgentReadyTimeout,
            Sandbox: kind == RuntimeKind.Local ? RuntimeFactory.SandboxSetting() : SandboxChoice.Auto);
        if (kind == RuntimeKind.Local && (parseResult.GetValue(options.InCluster) || parseResult.GetValue(options.Config) is not null || parseResult.GetValue(options.Context) is not null))
        {
            lines.Add(LogLevel.Warn, "--in-cluster, --config and --context apply to the kubernetes runtime; the local runtime ignores them");
        }

        if (kind == RuntimeKind.Kubernetes && runtime.SecretsDirectory is not null)
        {
            lines.Add(LogLevel.Warn, "--secrets-dir applies to the local runtime; the kubernetes runtime reads Secrets from the cluster");
        }

        if (runtime.SecretsDirectory is { } secretsDirectory && !Directory.Exists(secretsDirectory))
        {
            throw new UserInputException($"--secrets-dir: {secretsDirectory} is not a directory");
        }

        return runtime;
    }

    /// <summary>
    /// The namespace that <c>-n</c> or the manifest's <c>metadata.namespace</c> names, or null when
    /// neither does (then the kubeconfig context's, else <c>default</c>). When both name one they
    /// must agree: a run must not silently go where the user did not say.
    /// </summary>
    internal static string? Namespace(string? flag, string? manifest, string file) =>
        flag is not null && manifest is not null && flag != manifest
            ? throw new UserInputException($"-n {flag} disagrees with metadata.namespace {manifest} in {file}: drop -n or make them the same")
            : flag ?? manifest;

    /// <summary>
    /// The kubeconfig (or in-cluster config) of a kubernetes run, loaded before anything runs. A dry
    /// run contacts nothing and needs no kubeconfig: it reads one only for the context's namespace,
    /// and without one its Jobs show the namespace <c>default</c>.
    /// </summary>
    private static ClusterTarget? LoadCluster(CliOptions options, ParseResult parseResult, TestJob job, bool dryRun)
    {
        var (config, context, inCluster) = (parseResult.GetValue(options.Config), parseResult.GetValue(options.Context), parseResult.GetValue(options.InCluster));
        if (!dryRun)
        {
            return KubernetesConnection.Load(config, context, inCluster);
        }

        if (parseResult.GetValue(options.Namespace) is not null || job.Metadata.NamespaceProperty is not null)
        {
            return null;
        }

        try
        {
            return KubernetesConnection.Load(config, context, inCluster);
        }
        catch (UserInputException) when (config is null && context is null && !inCluster)
        {
            return null;
        }
    }

    /// <summary>
    /// The GitHub API for GitHub App tokens: <c>--github-api-url</c>, else <c>KUBETEST_GITHUB_API_URL</c>,
    /// else <c>GITHUB_API_URL</c> (set by GitHub Actions, also on GitHub Enterprise Server), else api.github.com.
    /// </summary>
    private static Uri? GitHubApiUrl(string? option)
    {
        var (value, source) = option is not null ? (option, "--github-api-url")
            : Environment.GetEnvironmentVariable("KUBETEST_GITHUB_API_URL") is { Length: > 0 } own ? (own, "KUBETEST_GITHUB_API_URL")
            : Environment.GetEnvironmentVariable("GITHUB_API_URL") is { Length: > 0 } actions ? (actions, "GITHUB_API_URL")
            : (null, null);
        if (value is null)
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? uri
            : throw new UserInputException($"{source}: {value} is not an http(s) URL");
    }
}

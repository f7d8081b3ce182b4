using System.CommandLine;
using System.Text;
using Kubetest.Cli.Progress;
using Kubetest.DryRun;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;
using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Cli;

/// <summary>
/// <c>kubetest [OPTIONS] FILE</c>: reads the manifest, then either prints the dry run or runs
/// it on the chosen runtime, prints the report on stdout and in <c>-o</c>, and maps the outcome
/// to an exit code. User mistakes become one clean line and exit 3.
/// </summary>
public static class RunCommand
{
    /// <summary>Largest <c>--list</c> or <c>--timings</c> file: millions of keys.</summary>
    private const int MaxSideFileBytes = 64 * 1024 * 1024;

    /// <summary>Where the run prints; <paramref name="Interactive"/>: stderr is an interactive terminal that may show the live view (see <see cref="TerminalMode"/>).</summary>
    public sealed record Streams(TextWriter Output, TextWriter Error, bool Interactive = false);

    public static async Task<int> HandleAsync(Streams streams, CliOptions options, ParseResult parseResult, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(streams, options, parseResult, cancellationToken).ConfigureAwait(false);
        }
        catch (UserInputException ex)
        {
            // A manifest's problems are escaped one by one (and may take one indented line each).
            var message = ex is ManifestException ? ex.Message : Printable.Escape(ex.Message);
            await streams.Error.WriteLineAsync($"[ERROR] {message}").ConfigureAwait(false);
            return ExitCodes.Error;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await streams.Error.WriteLineAsync("[WARN] stopped before the run started").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (Exception ex)
        {
            // A bug, not the user's mistake: still one line and exit 3, so CI logs stay readable;
            // where it happened is for whoever reports it, at debug level.
            var message = Printable.Escape($"{ex.GetType().Name}: {ex.Message}");
            await streams.Error.WriteLineAsync($"[ERROR] unexpected internal error: {message} (run with --log-level debug for the stack trace)").ConfigureAwait(false);
            if (parseResult.GetValue(options.LogLevel) == "debug")
            {
                await streams.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            }

            return ExitCodes.Error;
        }
    }

    private static async Task<int> RunAsync(Streams streams, CliOptions options, ParseResult parseResult, CancellationToken cancellationToken)
    {
        // Before anything is read or run: a report that cannot be written fails now, not after the run.
        var reportPath = parseResult.GetValue(options.Output);
        var junitPath = parseResult.GetValue(options.JUnit);
        var htmlPath = parseResult.GetValue(options.Html);
        OutputPaths.Check(options.Reports.Select(r => (r.Flag, parseResult.GetValue(r.Option))));

        var file = parseResult.GetValue(options.File)!;
        var text = await ReadAsync(file, "manifest", InputLimits.MaxManifestChars, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string>? listKeys = null;
        if (parseResult.GetValue(options.List) is string listFile)
        {
            var list = await ReadAsync(listFile, "--list file", MaxSideFileBytes, cancellationToken).ConfigureAwait(false);
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

            listKeys = PastRuns.FailedKeys(await ReadAsync(rerunFile, "--rerun-failed report", MaxSideFileBytes, cancellationToken).ConfigureAwait(false), rerunFile);
            if (listKeys.Count == 0 && !parseResult.GetValue(options.AllowEmpty))
            {
                throw new UserInputException($"--rerun-failed: every key of {rerunFile} passed, so there is nothing to rerun (pass --allow-empty to accept a run without keys)");
            }
        }

        var sources = new List<IReadOnlyDictionary<string, double>>();
        foreach (var timingsFile in parseResult.GetValue(options.Timings) ?? [])
        {
            sources.Add(PastRuns.ReadDurations(await ReadAsync(timingsFile, "--timings file", MaxSideFileBytes, cancellationToken, strict: true).ConfigureAwait(false), timingsFile));
        }

        var durations = sources.Count == 0 ? null : PastRuns.Combine(sources);
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
        var live = parseResult.GetValue(options.Live);
        var runOptions = new RunOptions(listKeys, durations, parseResult.GetValue(options.AllowEmpty), level, live, GitHubApiUrl(parseResult.GetValue(options.GitHubApiUrl)), keyTimeout, parseResult.GetValue(options.FailFast));
        runOptions = runOptions with { CloneTimeout = parseResult.GetValue(options.CloneTimeout) };
        foreach (var warning in loaded.Warnings.Where(_ => level <= LogLevel.Warn))
        {
            await streams.Error.WriteLineAsync($"[WARN] {file}: {warning}").ConfigureAwait(false);
        }

        var runtimeName = parseResult.GetValue(options.Runtime) ?? "kubernetes";
        var dryRun = parseResult.GetValue(options.DryRun);
        if (runtimeName == "local" && job.Spec.AgentContainers() is { Count: > 0 } agents && level <= LogLevel.Debug)
        {
            // Said once, so a manifest written for the agent never runs the other way without a word.
            await streams.Error.WriteLineAsync($"[DEBUG] {file}: agent is set on {string.Join(", ", agents.Select(Printable.Escape))}: the local runtime runs their commands directly").ConfigureAwait(false);
        }

        if (runtimeName != "local" && job.Spec.AgentContainersRunningTheirOwnCommand() is { Count: > 0 } unused && level <= LogLevel.Warn)
        {
            await streams.Error.WriteLineAsync($"[WARN] {file}: agent is set on {string.Join(", ", unused.Select(Printable.Escape))}: init containers and sidecars run their own command, so kubetest-agent is used only in the main container, its key containers and the finalizer").ConfigureAwait(false);
        }

        var target = runtimeName == "kubernetes" ? LoadCluster(options, parseResult, job, dryRun) : null;
        var @namespace = Namespace(parseResult.GetValue(options.Namespace), job.Metadata.NamespaceProperty, file) ?? target?.ContextNamespace ?? "default";
        var runtime = new RuntimeChoice(
            runtimeName,
            target,
            @namespace,
            parseResult.GetValue(options.PendingTimeout) ?? KubernetesRuntimeOptions.DefaultPendingTimeout,
            parseResult.GetValue(options.MaxRunTime) ?? JobLifecycle.DefaultMaxRunTime,
            parseResult.GetValue(options.SecretsDir),
            parseResult.GetValue(options.AgentReadyTimeout) ?? KubernetesRuntimeOptions.DefaultAgentReadyTimeout);
        if (runtime.Name == "local")
        {
            _ = RuntimeFactory.SandboxSetting();
        }

        if (runtime.Name == "local" && (parseResult.GetValue(options.InCluster) || parseResult.GetValue(options.Config) is not null || parseResult.GetValue(options.Context) is not null))
        {
            await streams.Error.WriteLineAsync("[WARN] --in-cluster, --config and --context apply to the kubernetes runtime; the local runtime ignores them").ConfigureAwait(false);
        }

        if (runtime.Name == "kubernetes" && runtime.SecretsDirectory is not null)
        {
            await streams.Error.WriteLineAsync("[WARN] --secrets-dir applies to the local runtime; the kubernetes runtime reads Secrets from the cluster").ConfigureAwait(false);
        }

        if (runtime.SecretsDirectory is { } secretsDirectory && !Directory.Exists(secretsDirectory))
        {
            throw new UserInputException($"--secrets-dir: {secretsDirectory} is not a directory");
        }

        if (dryRun)
        {
            var rendered = DryRunRenderer.Render(RunPlan.Build(job, runOptions), @namespace, JobLifecycle.For(RunOwner.Current(), runtime.MaxRunTime), runtime.Name);
            await streams.Output.WriteAsync(rendered.Objects).ConfigureAwait(false);
            await streams.Error.WriteAsync(rendered.Plan).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        // Gets the events the console gets, so after the engine masked the run's secrets in them.
        var junit = junitPath is null ? null : new JUnitCollector(TimeProvider.System);
        var timeline = htmlPath is null ? null : new TimelineCollector(TimeProvider.System);
        IRunObserver[] collectors = [.. new IRunObserver?[] { junit, timeline }.OfType<IRunObserver>()];
        var (result, leftBehind) = await ExecuteAsync(streams, job, runOptions, runtime, collectors, cancellationToken).ConfigureAwait(false);
        // stdout carries one document: the JSON report, unless --junit - or --html - takes its place.
        var json = result.Report.ToJson();
        if (junitPath != OutputPaths.Stdout && htmlPath != OutputPaths.Stdout)
        {
            await streams.Output.WriteLineAsync(json).ConfigureAwait(false);
        }

        if (reportPath is not null and not OutputPaths.Stdout)
        {
            await WriteReportAsync("-o", reportPath, json + Environment.NewLine).ConfigureAwait(false);
        }

        if (junitPath is not null && junit is not null)
        {
            var report = result.Report;
            var elapsed = (junit.FinishedAt ?? DateTimeOffset.UtcNow) - report.StartedAt;
            await WriteReportAsync(streams, "--junit", junitPath, JUnitReport.Write(report, job.Metadata.Name ?? "testjob", elapsed, junit)).ConfigureAwait(false);
        }

        if (htmlPath is not null && timeline is not null)
        {
            await WriteReportAsync(streams, "--html", htmlPath, HtmlReport.Write(result.Report, job.Metadata.Name ?? "testjob", timeline)).ConfigureAwait(false);
        }

        return result.Interrupted ? ExitCodes.Interrupted
            : result.BadInput ? ExitCodes.Error
            : result.Report.Succeeded && !leftBehind ? ExitCodes.Success : ExitCodes.Failed;
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
    /// Runs the job and cleans up. Cleanup never throws: what could not be removed becomes one
    /// warning, and <c>LeftBehind</c> makes the exit code 1, but the report is always returned.
    /// </summary>
    private static async Task<(RunResult Result, bool LeftBehind)> ExecuteAsync(Streams streams, TestJob job, RunOptions runOptions, RuntimeChoice choice, IReadOnlyList<IRunObserver> collectors, CancellationToken cancellationToken)
    {
        var owner = RunOwner.Current();
        var stale = RunWorkspace.RemoveStale(Path.GetTempPath());
        var workspace = RunWorkspace.Create(Path.GetTempPath(), owner);
        (RunResult Result, bool LeftBehind) outcome;
        try
        {
            var (console, _, view) = ConsoleOutput.Create(streams.Error, streams.Interactive ? ConsoleOutput.Terminal(streams.Error) : null, runOptions, workspace.Root, TimeProvider.System);
            await using var live = view;
            foreach (var (path, error) in stale)
            {
                console.On(error is null
                    ? new LogEvent(LogLevel.Debug, $"removed {path}, the directory of a kubetest run that is gone")
                    : new LogEvent(LogLevel.Warn, $"could not remove {path}, the directory of a kubetest run that is gone: {error}"));
            }

            var (runtime, secrets) = await RuntimeFactory.CreateAsync(choice, owner, workspace, console, cancellationToken).ConfigureAwait(false);
            RunResult result;
            var leftBehind = false;
            try
            {
                var engine = new TestJobEngine(runtime, collectors.Count == 0 ? console : new Observers([console, .. collectors]), workspace, TimeProvider.System, secrets);
                result = await engine.RunAsync(job, runOptions, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                leftBehind = await DisposeRuntimeAsync(runtime, console).ConfigureAwait(false);
            }

            outcome = (result, leftBehind);
        }
        finally
        {
            if (workspace.TryDelete() is { } error)
            {
                await streams.Error.WriteLineAsync($"[WARN] cleanup: could not remove the run's directory {workspace.Root}: {error}; the next kubetest run removes it, or run: kubetest gc --runtime local").ConfigureAwait(false);
            }
        }

        return outcome;
    }

    /// <summary>Disposes the runtime without letting anything escape; true when something may be left behind.</summary>
    private static async Task<bool> DisposeRuntimeAsync(IPodRuntime runtime, IRunObserver console)
    {
        if (runtime is not IAsyncDisposable disposable)
        {
            return false;
        }

        try
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The runtimes' own disposal never throws; this guards the report against one that does.
            console.On(new LogEvent(LogLevel.Warn, $"cleanup: the {runtime.Name} runtime could not remove what it created: {ex.Message}; run: kubetest gc --runtime {runtime.Name}"));
            return true;
        }

        return runtime is IRuntimeCleanup { LeftBehind.Count: > 0 };
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

    /// <summary>Reads a text file, refusing one larger than <paramref name="maxBytes"/> (or endless, like /dev/zero) without reading it all.</summary>
    /// <param name="strict">Whether bytes that are not UTF-8 (without a byte order mark naming another encoding) refuse the file instead of becoming U+FFFD.</param>
    private static async Task<string> ReadAsync(string path, string what, int maxBytes, CancellationToken cancellationToken, bool strict = false)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                using var content = new MemoryStream();
                var buffer = new byte[81920];
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    content.Write(buffer, 0, read);
                    if (content.Length > maxBytes)
                    {
                        throw new UserInputException($"the {what} {path} is larger than {maxBytes / (1024 * 1024)} MiB");
                    }
                }

                content.Position = 0;
                using var reader = strict
                    ? new StreamReader(content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true)
                    : new StreamReader(content, detectEncodingFromByteOrderMarks: true);
                return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DecoderFallbackException ex)
        {
            // Replaced silently, such bytes would make keys that match nothing (and a --timings file that times nothing).
            throw new UserInputException($"the {what} {path} is not UTF-8 text", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot read the {what} {path}: {ex.Message}", ex);
        }
    }

    /// <summary>A report to its file, or to stdout for <c>-</c>.</summary>
    private static async Task WriteReportAsync(Streams streams, string flag, string path, string content)
    {
        if (path == OutputPaths.Stdout)
        {
            await streams.Output.WriteAsync(content).ConfigureAwait(false);
            await streams.Output.FlushAsync().ConfigureAwait(false);
            return;
        }

        await WriteReportAsync(flag, path, content).ConfigureAwait(false);
    }

    private static async Task WriteReportAsync(string flag, string path, string content)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            await File.WriteAllTextAsync(path, content).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{flag}: cannot write the report to {path}: {ex.Message}", ex);
        }
    }
}

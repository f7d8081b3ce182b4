using System.CommandLine;
using Kubetest.Cli.Progress;
using Kubetest.DryRun;
using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Cli;

/// <summary>
/// <c>kubetest [OPTIONS] FILE</c>: reads the manifest, then either prints the dry run or runs
/// it on the chosen runtime, prints the report on stdout and in <c>-o</c>, and maps the outcome
/// to an exit code. User mistakes become one clean line and exit 3.
/// </summary>
public static class RunCommand
{
    /// <summary>Where the run prints; <paramref name="Interactive"/>: stderr is an interactive terminal that may show the live view (see <see cref="TerminalMode"/>).</summary>
    public sealed record Streams(TextWriter Output, TextWriter Error, bool Interactive = false);

    public static async Task<int> HandleAsync(Streams streams, CliOptions options, ParseResult parseResult, CancellationToken cancellationToken)
    {
        // What was said before the run failed or stopped still comes first, as it would have.
        var lines = new EarlyLines();
        try
        {
            return await RunAsync(streams, options, parseResult, lines, cancellationToken).ConfigureAwait(false);
        }
        catch (UserInputException ex)
        {
            lines.PrintTo(streams.Error);
            // A manifest's problems are escaped one by one (and may take one indented line each).
            var message = ex is ManifestException ? ex.Message : Printable.Escape(ex.Message);
            await streams.Error.WriteLineAsync($"[ERROR] {message}").ConfigureAwait(false);
            return ExitCodes.Error;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            lines.PrintTo(streams.Error);
            await streams.Error.WriteLineAsync("[WARN] stopped before the run started").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (Exception ex)
        {
            // A bug, not the user's mistake: still one line and exit 3, so CI logs stay readable;
            // where it happened is for whoever reports it, at debug level.
            lines.PrintTo(streams.Error);
            var message = Printable.Escape($"{ex.GetType().Name}: {ex.Message}");
            await streams.Error.WriteLineAsync($"[ERROR] unexpected internal error: {message} (run with --log-level debug for the stack trace)").ConfigureAwait(false);
            if (parseResult.GetValue(options.LogLevel) == "debug")
            {
                await streams.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            }

            return ExitCodes.Error;
        }
    }

    private static async Task<int> RunAsync(Streams streams, CliOptions options, ParseResult parseResult, EarlyLines lines, CancellationToken cancellationToken)
    {
        var request = await RunRequest.ReadAsync(options, parseResult, lines, cancellationToken).ConfigureAwait(false);
        var (job, runOptions, runtime) = (request.Job, request.Options, request.Runtime);
        if (request.DryRun)
        {
            runOptions = runOptions with { Durations = await DryRunDurationsAsync(request, lines, cancellationToken).ConfigureAwait(false) };
            lines.PrintTo(streams.Error);
            var rendered = DryRunRenderer.Render(RunPlan.Build(job, runOptions), runtime.Namespace, JobLifecycle.For(RunOwner.Current(), runtime.MaxRunTime), runtime.Kind, request.TargetTime);
            await streams.Output.WriteAsync(rendered.Objects).ConfigureAwait(false);
            await streams.Error.WriteAsync(rendered.Plan).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var (reportPath, junitPath, htmlPath) = (request.ReportPath, request.JUnitPath, request.HtmlPath);
        // Gets the events the console gets, so after the engine masked the run's secrets in them.
        var junit = junitPath is null ? null : new JUnitCollector(TimeProvider.System);
        var timeline = htmlPath is null ? null : new TimelineCollector(TimeProvider.System);
        IRunObserver[] collectors = [.. new IRunObserver?[] { junit, timeline }.OfType<IRunObserver>()];
        var (result, leftBehind) = await ExecuteAsync(streams, request, lines, collectors, cancellationToken).ConfigureAwait(false);
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
    /// Runs the job and cleans up. Cleanup never throws: what could not be removed becomes one
    /// warning, and <c>LeftBehind</c> makes the exit code 1, but the report is always returned.
    /// The run reports <paramref name="lines"/> first, with what setting up its runtime said.
    /// </summary>
    private static async Task<(RunResult Result, bool LeftBehind)> ExecuteAsync(Streams streams, RunRequest request, EarlyLines lines, IReadOnlyList<IRunObserver> collectors, CancellationToken cancellationToken)
    {
        var (job, runOptions, choice) = (request.Job, request.Options, request.Runtime);
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
                lines.On(error is null
                    ? new LogEvent(LogLevel.Debug, $"removed {path}, the directory of a kubetest run that is gone")
                    : new LogEvent(LogLevel.Warn, $"could not remove {path}, the directory of a kubetest run that is gone: {error}"));
            }

            var (runtime, secrets, client) = await RuntimeFactory.CreateAsync(choice, owner, workspace, lines, console, cancellationToken).ConfigureAwait(false);
            RunResult result;
            var leftBehind = false;
            try
            {
                var timings = request.TimingStore.Open(client, choice.Namespace, job.Metadata.Name ?? "testjob") is { } store ? new TimingStoreSession(store, TimeProvider.System) : null;
                var durations = await TimingStoreSession.PlanDurationsAsync(timings, runOptions.Durations, lines, dryRun: false, cancellationToken).ConfigureAwait(false);
                var engine = new TestJobEngine(runtime, collectors.Count == 0 ? console : new Observers([console, .. collectors]), TimeProvider.System, secrets);
                result = await engine.RunAsync(job, workspace, runOptions with { Durations = durations, Notices = lines.Take() }, cancellationToken).ConfigureAwait(false);
                if (timings is not null && !result.Interrupted && !result.BadInput)
                {
                    // After the report, failed runs too: a stopped run's keys have only parts of their times.
                    await timings.SaveAsync(result.Report, console, cancellationToken).ConfigureAwait(false);
                }
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

    /// <summary>
    /// A dry run plans with the store too, reading only; it contacts no cluster, so the ConfigMap store is not read.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, double>?> DryRunDurationsAsync(RunRequest request, EarlyLines lines, CancellationToken cancellationToken)
    {
        var choice = request.TimingStore;
        if (choice.Cluster && request.Options.Durations is null)
        {
            lines.Add(LogLevel.Debug, "timings: a dry run contacts no cluster, so it does not read the timing store (--timings-store cluster); the plan is unbalanced");
        }

        var store = choice.Open(client: null, request.Runtime.Namespace, request.Job.Metadata.Name ?? "testjob");
        var session = store is null ? null : new TimingStoreSession(store, TimeProvider.System);
        return await TimingStoreSession.PlanDurationsAsync(session, request.Options.Durations, lines, dryRun: true, cancellationToken).ConfigureAwait(false);
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

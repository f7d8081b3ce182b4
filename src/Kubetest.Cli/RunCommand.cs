using System.CommandLine;
using Kubetest.DryRun;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Cli;

/// <summary>
/// <c>kubetest [OPTIONS] FILE</c>: reads the manifest, then either prints the dry run or runs
/// it on the chosen runtime, prints the report on stdout and in <c>-o</c>, and maps the outcome
/// to an exit code. User mistakes become one clean line and exit 3.
/// </summary>
public static class RunCommand
{
    public sealed record Streams(TextWriter Output, TextWriter Error);

    public static async Task<int> HandleAsync(Streams streams, CliOptions options, ParseResult parseResult, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(streams, options, parseResult, cancellationToken).ConfigureAwait(false);
        }
        catch (UserInputException ex)
        {
            await streams.Error.WriteLineAsync($"[ERROR] {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Error;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await streams.Error.WriteLineAsync("[WARN] stopped before the run started").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
    }

    private static async Task<int> RunAsync(Streams streams, CliOptions options, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var file = parseResult.GetValue(options.File)!;
        var text = await ReadAsync(file, "manifest", cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string>? listKeys = null;
        if (parseResult.GetValue(options.List) is string listFile)
        {
            listKeys = KeySplitter.ListFile(await ReadAsync(listFile, "--list file", cancellationToken).ConfigureAwait(false));
            if (listKeys.Count == 0)
            {
                throw new UserInputException($"--list: the file {listFile} has no keys (one key per line)");
            }
        }

        IReadOnlyDictionary<string, double>? durations = null;
        if (parseResult.GetValue(options.Timings) is string timingsFile)
        {
            durations = Report.ReadDurations(await ReadAsync(timingsFile, "--timings report", cancellationToken).ConfigureAwait(false), timingsFile);
        }

        var runOptions = new RunOptions(listKeys, durations);
        var parameters = (parseResult.GetValue(options.Template) ?? [])
            .Select(p => p.Split('=', 2))
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        var loaded = ManifestLoader.Load(text, file, parameters, keysFromListFile: listKeys is not null);
        var job = loaded.Job;
        if (listKeys is not null && job.Spec.MainStep.Strategy is null)
        {
            throw new UserInputException($"--list: {file} has no spec.mainStep.strategy, so there is nothing to give keys to");
        }

        var level = CliOptions.ParseLevel(parseResult.GetValue(options.LogLevel)) ?? CliOptions.ParseLevel(job.Spec.Log.Level) ?? LogLevel.Info;
        foreach (var warning in loaded.Warnings.Where(_ => level <= LogLevel.Warn))
        {
            await streams.Error.WriteLineAsync($"[WARN] {file}: {warning}").ConfigureAwait(false);
        }

        var @namespace = job.Metadata.NamespaceProperty ?? parseResult.GetValue(options.Namespace) ?? "default";
        var runtime = new RuntimeChoice(
            parseResult.GetValue(options.Runtime) ?? "kubernetes",
            parseResult.GetValue(options.Config),
            parseResult.GetValue(options.InCluster),
            @namespace,
            TimeSpan.FromSeconds(parseResult.GetValue(options.PendingTimeout)),
            parseResult.GetValue(options.MaxRunTime));
        if (runtime.Name == "local" && (runtime.InCluster || runtime.Kubeconfig is not null))
        {
            await streams.Error.WriteLineAsync("[WARN] --in-cluster and --config apply to the kubernetes runtime; the local runtime ignores them").ConfigureAwait(false);
        }

        if (parseResult.GetValue(options.DryRun))
        {
            await streams.Output.WriteAsync(DryRunRenderer.Render(job, runOptions, @namespace, JobLifecycle.For(RunOwner.Current(), runtime.MaxRunTime))).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var reportPath = parseResult.GetValue(options.Output);
        if (reportPath is not null && Directory.Exists(reportPath))
        {
            throw new UserInputException($"-o: {reportPath} is a directory; give the path of the report file");
        }

        var (result, leftBehind) = await ExecuteAsync(streams, job, runOptions, runtime, level, parseResult.GetValue(options.Live), cancellationToken).ConfigureAwait(false);
        var json = result.Report.ToJson();
        await streams.Output.WriteLineAsync(json).ConfigureAwait(false);
        if (reportPath is not null)
        {
            await WriteReportAsync(reportPath, json).ConfigureAwait(false);
        }

        return result.Interrupted ? ExitCodes.Interrupted : result.Report.Succeeded && !leftBehind ? ExitCodes.Success : ExitCodes.Failed;
    }

    /// <summary>
    /// Runs the job and cleans up. Cleanup never throws: what could not be removed becomes one
    /// warning, and <c>LeftBehind</c> makes the exit code 1, but the report is always returned.
    /// </summary>
    private static async Task<(RunResult Result, bool LeftBehind)> ExecuteAsync(Streams streams, TestJob job, RunOptions runOptions, RuntimeChoice choice, LogLevel level, bool live, CancellationToken cancellationToken)
    {
        var owner = RunOwner.Current();
        var stale = RunWorkspace.RemoveStale(Path.GetTempPath());
        var workspace = RunWorkspace.Create(Path.GetTempPath(), owner);
        (RunResult Result, bool LeftBehind) outcome;
        try
        {
            var logFile = new StreamWriter(workspace.LogPath) { AutoFlush = true };
            await using (logFile.ConfigureAwait(false))
            {
                var console = new ConsoleReporter(streams.Error, logFile, level, live);
                foreach (var (path, error) in stale)
                {
                    console.On(error is null
                        ? new LogEvent(LogLevel.Debug, $"removed {path}, the directory of a kubetest run that is gone")
                        : new LogEvent(LogLevel.Warn, $"could not remove {path}, the directory of a kubetest run that is gone: {error}"));
                }

                var runtime = await RuntimeFactory.CreateAsync(choice, owner, workspace, console, cancellationToken).ConfigureAwait(false);
                RunResult result;
                var leftBehind = false;
                try
                {
                    var engine = new TestJobEngine(runtime, console, workspace, TimeProvider.System);
                    result = await engine.RunAsync(job, runOptions, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    leftBehind = await DisposeRuntimeAsync(runtime, console).ConfigureAwait(false);
                }

                outcome = (result, leftBehind);
            }
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

    private static async Task<string> ReadAsync(string path, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot read the {what} {path}: {ex.Message}", ex);
        }
    }

    private static async Task WriteReportAsync(string path, string json)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            await File.WriteAllTextAsync(path, json + Environment.NewLine).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"-o: cannot write the report to {path}: {ex.Message}", ex);
        }
    }
}

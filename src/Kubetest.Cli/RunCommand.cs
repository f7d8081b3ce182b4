using System.CommandLine;
using Kubetest.DryRun;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;

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
            TimeSpan.FromSeconds(parseResult.GetValue(options.PendingTimeout)));
        if (runtime.Name == "local" && (runtime.InCluster || runtime.Kubeconfig is not null))
        {
            await streams.Error.WriteLineAsync("[WARN] --in-cluster and --config apply to the kubernetes runtime; the local runtime ignores them").ConfigureAwait(false);
        }

        if (parseResult.GetValue(options.DryRun))
        {
            await streams.Output.WriteAsync(DryRunRenderer.Render(job, runOptions, @namespace)).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var reportPath = parseResult.GetValue(options.Output);
        if (reportPath is not null && Directory.Exists(reportPath))
        {
            throw new UserInputException($"-o: {reportPath} is a directory; give the path of the report file");
        }

        var result = await ExecuteAsync(streams, job, runOptions, runtime, level, parseResult.GetValue(options.Live), cancellationToken).ConfigureAwait(false);
        var json = result.Report.ToJson();
        await streams.Output.WriteLineAsync(json).ConfigureAwait(false);
        if (reportPath is not null)
        {
            await WriteReportAsync(reportPath, json).ConfigureAwait(false);
        }

        return result.Interrupted ? ExitCodes.Interrupted : result.Report.Succeeded ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static async Task<RunResult> ExecuteAsync(Streams streams, TestJob job, RunOptions runOptions, RuntimeChoice choice, LogLevel level, bool live, CancellationToken cancellationToken)
    {
        using var workspace = RunWorkspace.Create(Path.GetTempPath());
        var logFile = new StreamWriter(workspace.LogPath) { AutoFlush = true };
        await using (logFile.ConfigureAwait(false))
        {
            var console = new ConsoleReporter(streams.Error, logFile, level, live, workspace.Root);
            var runtime = await RuntimeFactory.CreateAsync(choice, workspace, console, cancellationToken).ConfigureAwait(false);
            try
            {
                var engine = new TestJobEngine(runtime, console, workspace, TimeProvider.System);
                return await engine.RunAsync(job, runOptions, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (runtime is IAsyncDisposable disposable)
                {
                    await disposable.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
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

using System.Diagnostics;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Engine;

/// <summary>
/// Runs a TestJob: preSteps, key resolution, the main step through the plan, retest, postSteps,
/// artifact export. Talks to one pod runtime and reports through events only.
/// </summary>
public sealed partial class TestJobEngine(IPodRuntime runtime, IRunObserver observer, RunWorkspace workspace, TimeProvider time)
{
    private readonly ArtifactStore _artifacts = new(workspace.ArtifactsDirectory);

    public async Task<RunResult> RunAsync(TestJob job, RunOptions options, CancellationToken cancellationToken)
    {
        RejectUnsupported(job);
        var startedAt = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var builder = new PodRequestBuilder(job.Metadata.Name ?? "testjob", LocalPathOf);
        var main = job.Spec.MainStep;
        var results = new MainResults(main.Strategy is null ? [main.Template.MainContainer.Container.Name] : options.ListKeys ?? main.Strategy.Key.Source.Static ?? []);
        var failed = false;
        var interrupted = false;
        try
        {
            failed = !await RunStepsAsync(job.Spec.PreSteps, builder, cancellationToken).ConfigureAwait(false)
                || !await RunMainAsync(main, options, builder, results, cancellationToken).ConfigureAwait(false);
            if (!failed || results.Any)
            {
                await File.WriteAllTextAsync(workspace.ReportPath, BuildReport(job, startedAt, clock, results, failed).ToJson(), cancellationToken).ConfigureAwait(false);
                failed |= !await RunStepsAsync(job.Spec.PostSteps, builder, cancellationToken).ConfigureAwait(false);
                failed |= !Export(job, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
            observer.On(new LogEvent(LogLevel.Warn, "stopped: running keys were killed and their pods deleted"));
        }

        var report = BuildReport(job, startedAt, clock, results, failed || interrupted);
        observer.On(new RunFinished(report));
        return new RunResult(report, interrupted, _badInput);
    }

    private static Report BuildReport(TestJob job, DateTimeOffset startedAt, Stopwatch clock, MainResults results, bool failed) =>
        Report.Build(startedAt, clock.Elapsed, results.Details(), job.Spec.Log.ExtParam, failed);

    private static void RejectUnsupported(TestJob job)
    {
        if (job.Spec.Repos.Count > 0)
        {
            throw new UserInputException("spec.repos: repositories are not supported by this version of kubetest yet");
        }

        if (job.Spec.Tokens.Count > 0)
        {
            throw new UserInputException("spec.tokens: tokens are not supported by this version of kubetest yet");
        }
    }

    /// <summary>Runs pre- or postSteps in order; a failing step stops the rest and fails the run.</summary>
    private async Task<bool> RunStepsAsync(IReadOnlyList<Step> steps, PodRequestBuilder builder, CancellationToken cancellationToken)
    {
        foreach (var step in steps)
        {
            var result = await RunOnceAsync(step.Kind, step.Name, step.Template, step.TtlSecondsAfterFinished, builder, observer, cancellationToken).ConfigureAwait(false);
            if (result.Status != KeyStatus.Success)
            {
                var kind = step.Kind == StepKind.PreStep ? "prestep" : "poststep";
                observer.On(new LogEvent(LogLevel.Error, $"{kind} {step.Name} failed: {Describe(result)}"));
                return false;
            }
        }

        return true;
    }

    /// <summary>Runs a template's main container once, in a pod of its own.</summary>
    private async Task<TaskResult> RunOnceAsync(StepKind kind, string name, TestJobTemplate template, int? ttl, PodRequestBuilder builder, IRunObserver events, CancellationToken cancellationToken)
    {
        events.On(new StepStarted(kind, name));
        var clock = Stopwatch.StartNew();
        var container = template.MainContainer.Container.Name;
        var task = new PodTask(new TaskId(kind, name, kind == StepKind.Main ? container : name, 1, "", container), container, null, null, 0);
        TaskResult? result = null;
        try
        {
            var request = builder.ForStep(template, ttl);
            await new PodExecutor(runtime, events, _artifacts)
                .RunAsync(request, template, [task], 1, (t, r) => (task, result) = (t, r), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (StepSetupException ex)
        {
            result = new TaskResult(KeyStatus.Error, null, clock.Elapsed, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failure after the pod started (a vanished API server, …) leaves the step without a result: unknown.
            events.On(new LogEvent(LogLevel.Error, $"{name}: {ex.Message}"));
            events.On(new LogEvent(LogLevel.Debug, ex.ToString()));
        }

        result ??= new TaskResult(KeyStatus.Unknown, null, clock.Elapsed);
        events.On(new TaskFinished(task.Id, result, 1, 1));
        events.On(new StepFinished(kind, name, clock.Elapsed, result.Status == KeyStatus.Success));
        return result;
    }

    private string LocalPathOf(KubetestVolumeSource source)
    {
        switch (source)
        {
            case ArtifactVolumeSource artifact:
                return _artifacts.SinglePath(artifact.ArtifactName);
            case LogVolumeSource:
                if (!File.Exists(workspace.LogPath))
                {
                    File.WriteAllText(workspace.LogPath, "");
                }

                return workspace.LogPath;
            case ReportVolumeSource:
                return workspace.ReportPath;
            default:
                throw new StepSetupException($"{source.GetType().Name} volumes are not supported by this version of kubetest yet");
        }
    }

    /// <summary>Exports artifacts in order; a signal stops it between two files and says what was and was not exported.</summary>
    private bool Export(TestJob job, CancellationToken cancellationToken)
    {
        var ok = true;
        var exports = job.Spec.ExportArtifacts;
        var done = new List<string>();
        for (var i = 0; i < exports.Count; i++)
        {
            var export = exports[i];
            observer.On(new LogEvent(LogLevel.Info, $"export artifact {export.Name}"));
            var copies = 0;
            try
            {
                if (_artifacts.Export(export.Name, export.Path, _ => copies++, cancellationToken) == 0)
                {
                    observer.On(new LogEvent(LogLevel.Warn, $"artifact {export.Name} has no copies to export"));
                }
                else
                {
                    observer.On(new ArtifactExported(export.Name, export.Path));
                    done.Add($"{export.Name} to {export.Path}");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                var partly = $"{export.Name} ({copies} of {_artifacts.CopyCount(export.Name)} containers' copies complete in {export.Path})";
                var rest = exports.Skip(i + 1).Select(e => e.Name).ToList();
                observer.On(new LogEvent(
                    LogLevel.Warn,
                    $"export stopped: exported {(done.Count == 0 ? "nothing" : string.Join(", ", done))}; partly exported {partly}; not exported {(rest.Count == 0 ? "nothing else" : string.Join(", ", rest))}"));
                throw;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                observer.On(new LogEvent(LogLevel.Error, $"could not export artifact {export.Name} to {export.Path}: {ex.Message}"));
                ok = false;
            }
        }

        return ok;
    }

    internal static string Describe(TaskResult result) => result.Status switch
    {
        KeyStatus.Failure => $"exit code {result.ExitCode}",
        KeyStatus.Error => result.Message ?? "error",
        _ => Report.StatusText(result.Status),
    };
}

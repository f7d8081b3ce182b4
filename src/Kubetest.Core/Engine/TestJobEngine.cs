using System.Diagnostics;
using Kubetest.Tokens;

namespace Kubetest.Engine;

/// <summary>
/// Executes a <see cref="RunPlan"/>: each step in the plan's order, through one pod runtime,
/// reporting through events only. Holds no state of a run (that is a <see cref="RunContext"/> per
/// <see cref="RunAsync(TestJob, RunPlan, RunOptions, RunWorkspace, CancellationToken)"/>), so one engine
/// runs several TestJobs at once, each in a workspace of its own. Owns each run's log file (written by a
/// <see cref="TextReporter"/> of its own, for <c>log</c> volumes). <paramref name="secrets"/> is where tokens
/// come from (the cluster, a directory, the environment); every token value is masked in all it reports.
/// </summary>
public sealed partial class TestJobEngine(IPodRuntime runtime, IRunObserver observer, TimeProvider time, ISecretSource? secrets = null)
{
    public Task<RunResult> RunAsync(TestJob job, RunWorkspace workspace, RunOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return RunAsync(job, RunPlan.Build(job, options), options, workspace, cancellationToken);
    }

    /// <summary>Executes <paramref name="plan"/>, which <see cref="RunPlan.Build"/> made from <paramref name="job"/> and <paramref name="options"/>, in <paramref name="workspace"/>.</summary>
    public async Task<RunResult> RunAsync(TestJob job, RunPlan plan, RunOptions options, RunWorkspace workspace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(workspace);
        var logFile = new StreamWriter(workspace.LogPath) { AutoFlush = true };
        await using (logFile.ConfigureAwait(false))
        {
            var mask = new SecretMask();
            var events = new MaskingObserver(mask, new Observers(observer, new TextReporter(logFile, options.LogLevel, options.Live, workspace.Root)));
            foreach (var notice in options.Notices ?? [])
            {
                events.On(notice);
            }

            using var runtimeReports = runtime.ReportTo(events);
            var run = new RunContext(job, plan.TestJobName, options, workspace, events, cancellationToken)
            {
                StartedAt = time.GetUtcNow(),
                Mask = mask,
            };
            var interrupted = false;
            var flow = new StepFlow();
            try
            {
                foreach (var step in plan.Steps)
                {
                    if (!flow.ShouldRun(step, run.Results.Any))
                    {
                        continue;
                    }

                    events.On(new StepStarted(step));
                    var clock = Stopwatch.StartNew();
                    var outcome = await RunStepAsync(step, flow, run).ConfigureAwait(false);
                    events.On(new StepFinished(step, clock.Elapsed, outcome.Succeeded));
                    flow.Took(step, outcome);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                interrupted = true;
                events.On(new LogEvent(LogLevel.Warn, "stopped: running keys were killed and their pods deleted"));
            }
            catch (UserInputException ex) when (!mask.IsEmpty)
            {
                // Whatever the caller prints of an error, a token is not in it.
                throw new UserInputException(mask.Apply(ex.Message));
            }
            catch (Exception ex) when (!mask.IsEmpty && ex is not OperationCanceledException)
            {
                throw new InvalidOperationException(mask.Apply($"{ex.GetType().Name}: {ex.Message}"));
            }

            var report = run.BuildReport(flow.Failed || interrupted);
            events.On(new RunFinished(report));
            return new RunResult(report, interrupted, flow.BadInput);
        }
    }

    /// <summary>
    /// Runs one step of the plan and says what it produced. The one place that maps a step kind to its execution;
    /// a step gets what an earlier one produced from <paramref name="flow"/> (the listed keys, the key step as it ran).
    /// </summary>
    private async Task<StepOutcome> RunStepAsync(PlanStep step, StepFlow flow, RunContext run) => step switch
    {
        CheckoutStep checkout => StepOutcome.Of(await CheckoutAsync(checkout, run).ConfigureAwait(false)),
        PodStep pod => StepOutcome.Of(await RunPodStepAsync(pod, run).ConfigureAwait(false)),
        KeyListingStep listing => await ListKeysAsync(listing, run).ConfigureAwait(false),
        KeysStep keys => await RunKeysAsync(keys, flow.ListedKeys, run).ConfigureAwait(false),
        RetestStep retest => StepOutcome.Of(await RetestAsync(retest, flow.Keys, run).ConfigureAwait(false)),
        ReportStep => StepOutcome.Of(await WriteReportAsync(flow.Failed, run).ConfigureAwait(false)),
        ExportStep export => StepOutcome.Of(Export(export, run)),
        _ => throw new InvalidOperationException($"the engine has no way to run a {step.GetType().Name}"),
    };

    /// <summary>A preStep, postStep or strategy-less main step: one run of its main container.</summary>
    private async Task<bool> RunPodStepAsync(PodStep step, RunContext run)
    {
        var result = await RunOnceAsync(step, step.Template, step.TtlSecondsAfterFinished, null, run).ConfigureAwait(false);
        if (step.Kind == StepKind.Main)
        {
            return true;
        }

        if (result.Status != KeyStatus.Success)
        {
            run.Events.On(new LogEvent(LogLevel.Error, $"{step.Label} {step.Name} failed: {Describe(result)}"));
            return false;
        }

        return true;
    }

    /// <summary>The report as it stands, written for the postSteps' <c>report</c> volumes.</summary>
    private static async Task<bool> WriteReportAsync(bool failed, RunContext run)
    {
        await File.WriteAllTextAsync(run.Workspace.ReportPath, run.BuildReport(failed).ToJson(), run.Cancellation).ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs a template's main container once, in a pod of its own; <paramref name="stdout"/> keeps its standard output.</summary>
    private async Task<TaskResult> RunOnceAsync(PlanStep step, TestJobTemplate template, int? ttl, OutputCapture? stdout, RunContext run)
    {
        var events = run.Events;
        var cancellationToken = run.Cancellation;
        var clock = Stopwatch.StartNew();
        var container = template.MainContainer.Container.Name;
        Work? command = new StepCommand(container, stdout);
        var ran = new StepResult(new TaskId(step, step.Name, 1, "", container));
        try
        {
            var request = run.Pods.ForStep(template, ttl);
            var failure = await new PodExecutor(runtime, events, run.Artifacts, step)
                .RunAsync(request, template, 1, (_, _) => Interlocked.Exchange(ref command, null), ran, cancellationToken)
                .ConfigureAwait(false);
            ran.Result ??= failure;
        }
        catch (StepSetupException ex)
        {
            ran.Result = new TaskResult(KeyStatus.Error, null, clock.Elapsed, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && ran.Result is not null)
        {
            // It ran when the run was stopped: its block ends, and a main step without strategy (the report's one key) counts the run.
            Finished(step, ran.Task, ran.Result, run);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failure after the pod started (a vanished API server, …) leaves the step without a result: unknown.
            events.On(new LogEvent(LogLevel.Error, $"{step.Name}: {ex.Message}"));
            events.On(new LogEvent(LogLevel.Debug, ex.ToString()));
        }

        var result = ran.Result ?? new TaskResult(KeyStatus.Unknown, null, clock.Elapsed);
        Finished(step, ran.Task, result, run);
        return result;
    }

    /// <summary>A step's command ended: a main step without strategy is the report's one key, every other step's is a command.</summary>
    private static void Finished(PlanStep step, TaskId task, TaskResult result, RunContext run)
    {
        if (step is PodStep { Kind: StepKind.Main })
        {
            run.Events.On(new KeyFinished(task, result, 1, 1));
            run.Results.Record(0, result, attempt: 1);
        }
        else
        {
            run.Events.On(new CommandFinished(task, result));
        }
    }

    /// <summary>What a step's pod ran: its command (named as it ran) and how it ended.</summary>
    private sealed class StepResult(TaskId task) : IWorkResults
    {
        public TaskId Task { get; private set; } = task;

        public TaskResult? Result { get; set; }

        public void CommandFinished(TaskId task, StepCommand command, TaskResult result) => (Task, Result) = (task, result);

        public void KeyFinished(TaskId task, KeyRun run, TaskResult result) =>
            throw new InvalidOperationException("a step's pod runs no keys");
    }

    /// <summary>Exports artifacts in order; a signal stops it between two files and says what was and was not exported.</summary>
    private static bool Export(ExportStep step, RunContext run)
    {
        var observer = run.Events;
        if (run.Options.IgnoreHostPathsBecause is { } reason)
        {
            observer.On(new LogEvent(LogLevel.Warn, $"exportArtifacts: {string.Join(", ", step.Exports.Select(e => $"{e.Name} to {e.Path}"))} not exported: {reason}"));
            return true;
        }

        var cancellationToken = run.Cancellation;
        var ok = true;
        var exports = step.Exports;
        var done = new List<string>();
        for (var i = 0; i < exports.Count; i++)
        {
            var export = exports[i];
            observer.On(new LogEvent(LogLevel.Info, $"export artifact {export.Name}"));
            var copies = 0;
            try
            {
                if (run.Artifacts.Export(export.Name, export.Path, _ => copies++, cancellationToken) == 0)
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
                var partly = $"{export.Name} ({copies} of {run.Artifacts.CopyCount(export.Name)} containers' copies complete in {export.Path})";
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

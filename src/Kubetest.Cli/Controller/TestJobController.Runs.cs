namespace Kubetest.Cli.Controller;

internal sealed partial class TestJobController
{
    /// <summary>How long, when the controller stops, its runs get to clean up and write their status.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(60);

    /// <summary>One run, start to end: the engine, then the report ConfigMap, the status and an Event (unless the TestJob is gone), then the loop is told.</summary>
    private async Task ExecuteAsync(ActiveRun run, TestJob job, RunSettings settings, DateTimeOffset startedAt)
    {
        var resource = run.Resource;
        try
        {
            RunOutcome? outcome = null;
            string? failure = null;
            try
            {
                var owner = RunOwner.Current() with { RunId = RunIds.For(resource) };
                outcome = await TestJobRun.ExecuteAsync(api, resource, job, settings, owner, log, run.Stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || run.StopReason is not null)
            {
                failure = ex is UserInputException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
            }

            if (run.StopReason == StopReason.Deleted)
            {
                log.Line(LogLevel.Info, $"{resource.Key}: its run stopped and cleaned up, as the TestJob was deleted");
                return;
            }

            using var writing = new CancellationTokenSource(StopGrace);
            await FinishAsync(run, outcome, failure, startedAt, writing.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            log.Line(LogLevel.Error, $"{resource.Key}: could not write the run's outcome: {TestJobClient.Describe(ex)}{(run.Unwritten is null ? string.Empty : "; trying again later")}");
        }
        finally
        {
            _queue.Writer.TryWrite(new Work(resource.Key, run));
        }
    }

    private async Task FinishAsync(ActiveRun run, RunOutcome? outcome, string? failure, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var resource = run.Resource;
        var finishedAt = DateTimeOffset.UtcNow;
        string? reportMap = null;
        string? reportProblem = null;
        if (outcome is not null)
        {
            var map = ReportConfigMap.Build(resource, outcome);
            try
            {
                await api.SaveReportAsync(resource, map, cancellationToken).ConfigureAwait(false);
                reportMap = map.Metadata.Name;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                reportProblem = $"the report could not be saved in ConfigMap {map.Metadata.Name}: {TestJobClient.Describe(ex)}";
                log.Line(LogLevel.Warn, $"{resource.Key}: {reportProblem}");
            }
        }

        var status = run.StopReason == StopReason.ControllerStopping
            ? StatusOf.Error(resource, "the controller stopped during the run (its pod was deleted or restarted); the keys it ran are in the report, the others never ran: re-create the TestJob to rerun it", startedAt, outcome?.Report, reportMap, finishedAt)
            : outcome is null
                ? StatusOf.Error(resource, $"the run could not be made: {failure}", startedAt, null, null, finishedAt)
                : StatusOf.Finished(resource, outcome, startedAt, finishedAt, reportMap, reportProblem);
        // Kept until it is written: if the API server fails past the retries, the loop writes it later, rather than
        // take the TestJob, still Running, for the run of a controller that stopped.
        run.Unwritten = status;
        await WriteOutcomeAsync(resource, status, cancellationToken).ConfigureAwait(false);
        run.Unwritten = null;

        // Nothing is left to clean up: the TestJob may go without the controller (which may be stopping now).
        if (await api.GetAsync(resource.Namespace, resource.Name, cancellationToken).ConfigureAwait(false) is { HasFinalizer: true } current)
        {
            await api.SetFinalizerAsync(current, present: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A run's final status, its line in the log and its Event.</summary>
    private async Task WriteOutcomeAsync(TestJobObject resource, TestJobStatus status, CancellationToken cancellationToken)
    {
        await api.PatchStatusAsync(resource, status, cancellationToken).ConfigureAwait(false);
        var phase = status.Phase!.Value;
        log.Line(phase == TestJobPhase.Succeeded ? LogLevel.Info : LogLevel.Warn, $"{resource.Key}: {phase}: {status.Message}");
        await Events.RecordAsync(api, resource, phase == TestJobPhase.Succeeded ? "Normal" : "Warning", phase.ToString(), status.Message ?? phase.ToString(), log).ConfigureAwait(false);
    }

    /// <summary>The controller is stopping: every run is stopped (its pods deleted, as SIGINT does), and its status written.</summary>
    private async Task StopRunsAsync()
    {
        var runs = _runs.Values.ToList();
        foreach (var run in runs)
        {
            StopRun(run, StopReason.ControllerStopping);
        }

        if (runs.Count > 0)
        {
            log.Line(LogLevel.Info, $"stopping {runs.Count} runs");
            await Task.WhenAll(runs.Select(r => r.Task)).WaitAsync(StopGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}

namespace Kubetest.Engine;

/// <summary>
/// The one loop that runs a key step's work: it starts the pods of an <see cref="IWorkSource"/> all at once, and each
/// of their workers runs what the source hands it until it has nothing more. Every rule about keys lives here, once:
/// each key's result is recorded under its identity as its next attempt; with fail-fast the first failure keeps first
/// runs from starting (they stay without a result); a pod that cannot start ends the work only it would have run with
/// its failure; a pod that breaks leaves its keys without a result unknown; work nobody ran ends as the source says.
/// </summary>
internal sealed class WorkerLoop(IPodRuntime runtime, KeyPhase phase, RunContext run) : IWorkResults
{
    private readonly KeysStep _step = phase.Step;

    private readonly object _gate = new();
    private int _finished;
    private int _total;

    /// <summary>Runs all the work of <paramref name="source"/>, <paramref name="total"/> keys; false when none of them got a result (the caller must not try the same keys forever).</summary>
    public async Task<bool> RunAsync(IWorkSource source, int total)
    {
        _total = total;
        var failures = await Task.WhenAll(source.Pods.Select(pod => RunPodAsync(source, pod))).ConfigureAwait(false);
        run.Cancellation.ThrowIfCancellationRequested();
        foreach (var (work, why) in source.Leftovers(failures.FirstOrDefault(f => f is not null)))
        {
            End(work, Error(why));
        }

        return _finished > 0;
    }

    /// <summary>Runs one pod of the source; returns why it failed (could not start, broke), or null.</summary>
    private async Task<string?> RunPodAsync(IWorkSource source, WorkerPod pod)
    {
        PodRequest request;
        try
        {
            request = source.Request(pod);
        }
        catch (StepSetupException ex)
        {
            return Strand(source, pod, Error(ex.Message));
        }

        try
        {
            var failure = await new PodExecutor(runtime, run.Events, run.Artifacts, _step, _step.KeyEnv, pod.PodIndex, phase.Timeout)
                .RunAsync(request, _step.Template, pod.Workers, (_, worker) => Next(source, pod.PodIndex, worker), this, run.Cancellation)
                .ConfigureAwait(false);
            if (failure is not null)
            {
                return Strand(source, pod, failure);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !run.Cancellation.IsCancellationRequested)
        {
            // Once keys run, nothing may cost the run its report (a vanished API server, a pod gone).
            run.Events.On(new LogEvent(LogLevel.Error, $"pod {request.GenerateName}…: {ex.Message}; its keys without a result are reported as unknown"));
            run.Events.On(new LogEvent(LogLevel.Debug, ex.ToString()));
            return $"pod {request.GenerateName}… broke: {ex.Message}";
        }

        run.Cancellation.ThrowIfCancellationRequested();
        foreach (var (work, why) in source.Unserved(pod.PodIndex))
        {
            if (!Held(work))
            {
                End(work, Error(why));
            }
        }

        return null;
    }

    /// <summary>The source's next work for the worker, less what a fail-fast stop keeps from starting.</summary>
    private Work? Next(IWorkSource source, int podIndex, int worker)
    {
        while (source.Next(podIndex, worker) is { } work)
        {
            if (!Held(work))
            {
                return work;
            }
        }

        return null;
    }

    /// <summary>A first run after a fail-fast stop: it does not start and gets no result (unknown, 0 attempts).</summary>
    private bool Held(Work work) => work.FirstAttempt && phase.FailFastStopped;

    private string Strand(IWorkSource source, WorkerPod pod, TaskResult failure)
    {
        foreach (var work in source.Stranded(pod.PodIndex))
        {
            End(work, failure);
        }

        return failure.Message ?? "a pod failed";
    }

    /// <summary>Gives every key of <paramref name="work"/>, which did not run, <paramref name="result"/>.</summary>
    private void End(Work work, TaskResult result)
    {
        var runs = work switch
        {
            KeyRun key => [key],
            BatchRun batch => batch.Batch.Keys.Select(batch.RunOf),
            _ => Enumerable.Empty<KeyRun>(),
        };
        foreach (var key in runs)
        {
            KeyFinished(new TaskId(_step, key.Key.Key, key.Attempt, "", key.Container), key, result);
        }
    }

    private static TaskResult Error(string message) => new(KeyStatus.Error, null, TimeSpan.Zero, message);

    /// <summary>Records a key's result, reports it, and with fail-fast stops new keys after a failure.</summary>
    public void KeyFinished(TaskId task, KeyRun key, TaskResult result)
    {
        lock (_gate)
        {
            var finished = ++_finished;
            run.Results.Record(key.Key.Index, result, key.Attempt, key.RunsAfterBatch);
            run.Events.On(new Reporting.KeyFinished(task, result, finished, _total));
            if (_step.FailFast && result.Status is KeyStatus.Failure or KeyStatus.Error && !phase.FailFastStopped)
            {
                phase.FailFastStopped = true;
                run.Events.On(new LogEvent(LogLevel.Warn, $"fail-fast: key {Printable.Escape(key.Key.Key)} failed; no new key starts, running keys finish"));
            }
        }
    }

    public void CommandFinished(TaskId task, StepCommand command, TaskResult result) =>
        throw new InvalidOperationException("a key step hands out no step commands");
}

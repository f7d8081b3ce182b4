using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Engine;

/// <summary>The main step's keys: listing them (dynamic keys), running them over the plan's pods, the retest.</summary>
public sealed partial class TestJobEngine
{
    /// <summary>
    /// Runs the dynamic key template once and splits its standard output into keys. False when it
    /// failed, or (as bad input, exit 3) when no key came out without <c>--allow-empty</c> or a key
    /// holds a NUL: a CI job that tests nothing must not pass.
    /// </summary>
    private async Task<bool> ListKeysAsync(KeyListingStep step, RunContext run)
    {
        var dynamic = step.Source;
        var stdout = new OutputCapture();
        var result = await RunOnceAsync(step, dynamic.Template, dynamic.TtlSecondsAfterFinished, stdout, run).ConfigureAwait(false);
        if (result.Status != KeyStatus.Success)
        {
            run.Events.On(new LogEvent(LogLevel.Error, $"the command for dynamic keys failed: {Describe(result)}"));
            return false;
        }

        string? problem;
        if (stdout.Overflowed)
        {
            problem = $"the command for dynamic keys printed more than {OutputCapture.MaxChars / (1024 * 1024)} MiB on stdout; keys are read from at most that much";
        }
        else
        {
            var all = KeySplitter.Split(stdout.Text, dynamic.Delimiter);
            var keys = KeySplitter.Filter(all, dynamic.Filter);
            problem = KeySplitter.FirstWithNul(keys) is int nul ? $"key {nul + 1} of the dynamic key command's output contains a NUL character"
                : keys.Count > 0 || run.Options.AllowEmpty ? null
                : all.Count == 0 ? "no keys: the dynamic key command's output was empty (pass --allow-empty to accept a run without keys)"
                : $"no keys: the filter \"{Printable.Escape(dynamic.Filter ?? "")}\" matched none of the {all.Count} keys of the dynamic key command (pass --allow-empty to accept a run without keys)";
            run.ListedKeys = keys;
        }

        if (problem is not null)
        {
            run.BadInput = true;
            run.Events.On(new LogEvent(LogLevel.Error, problem));
            return false;
        }

        return true;
    }

    /// <summary>Runs the key step's pods all at once (its keys planned now if a listing step found them).</summary>
    private async Task<bool> RunKeysAsync(KeysStep step, RunContext run)
    {
        var dynamic = step.Keys is null;
        if (dynamic)
        {
            step = step.WithKeys(run.ListedKeys ?? throw new InvalidOperationException("a key step without keys must follow a key listing step"));
            run.Results.SetKeys(step.Keys!);
        }

        run.Keys = step;
        run.Timeout = step.KeyTimeout is { } limit ? new KeyTimeout(limit, run.Options.KeyTimeoutGrace ?? KeyTimeout.DefaultGrace) : null;
        run.Events.On(new KeysFound(step.Keys!.Count, dynamic));
        await RunKeySetAsync(step, null, run).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Runs each failed key again until it passes or has had its reruns, each under the identity
    /// (pod index, container) it had. With fail-fast, a failure kept the keys after it from starting:
    /// if every failed key then passed on a rerun, those keys start now (and the same holds for them).
    /// </summary>
    private async Task<bool> RetestAsync(RetestStep retest, RunContext run)
    {
        if (run.Keys is not { Keys: { } keys } step)
        {
            return true;
        }

        var all = Enumerable.Range(0, keys.Count).ToList();
        while (true)
        {
            HashSet<int> failed;
            while ((failed = all.Where(i => IsFailed(run, i) && run.Results.CountedAttemptsOf(i) <= retest.Reruns).ToHashSet()).Count > 0)
            {
                run.Events.On(new RetestStarted(failed.Count));
                if (!await RunKeySetAsync(step, failed, run).ConfigureAwait(false))
                {
                    return true;
                }
            }

            var waiting = all.Where(i => run.Results.AttemptsOf(i) == 0).ToHashSet();
            if (!run.FailFastStopped || waiting.Count == 0 || all.Any(i => IsFailed(run, i)))
            {
                return true;
            }

            run.FailFastStopped = false;
            run.Events.On(new LogEvent(LogLevel.Info, $"fail-fast: every failed key passed on a rerun; the {waiting.Count} keys not started yet start now"));
            if (!await RunKeySetAsync(step, waiting, run).ConfigureAwait(false))
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Runs the step's keys (<paramref name="only"/> null) or some of them: in <c>static</c> mode each in the
    /// pod index and container the plan gave it, in <c>queue</c> mode from a shared queue of just those keys
    /// (in queue order) over as many worker pods as they need.
    /// </summary>
    private Task<bool> RunKeySetAsync(KeysStep step, IReadOnlySet<int>? only, RunContext run)
    {
        if (step.Queue is { } queue)
        {
            return RunQueueAsync(step, only is null ? queue : queue.Subset(only, step.Scheduler), run);
        }

        return RunPodsAsync(step, only is null ? step.Pods! : Planner.Retest(step.Pods!, only), run);
    }

    private static bool IsFailed(RunContext run, int index) => run.Results.StatusOf(index) is KeyStatus.Failure or KeyStatus.Error;

    /// <summary>
    /// <c>queue</c> mode: starts the worker pods all at once and every free worker of any pod takes the next
    /// key of one <see cref="KeyQueue"/>, so a slow pod never holds keys another could run. Each key's result
    /// is recorded under its identity as its next attempt, as in <see cref="RunPodsAsync"/>. Keys left in the
    /// queue because no worker could run them (every pod failed to start or broke) end as errors; keys a
    /// fail-fast held back stay without a result (unknown, 0 attempts).
    /// </summary>
    private async Task<bool> RunQueueAsync(KeysStep step, QueuePlan plan, RunContext run)
    {
        var queue = new KeyQueue(plan.Order);
        var finished = 0;
        var gate = new object();
        var firstRun = plan.Order.All(k => run.Results.AttemptsOf(k.Index) == 0);
        var onFinished = OnKeyFinished(step, plan.Order.Count, run, gate, () => ++finished);
        var template = new TaskId(step, "", 1, "", "");

        // Keys that never ran go in batches; a rerun runs alone (a failed batch's keys already did).
        var cutter = step.Batch is { } batch && firstRun ? new BatchCutter(plan.Order, batch, plan.WorkerCount, step.Durations) : null;

        PodTask? Next(int podIndex, IPod pod, int worker)
        {
            if (firstRun && run.FailFastStopped)
            {
                return null;
            }

            if (cutter is not null)
            {
                return queue.TryTakeBatch(cutter, out var keys) ? BatchTask(podIndex, pod, worker, keys, cutter) : null;
            }

            if (!queue.TryTake(out var key))
            {
                return null;
            }

            key = key with { PodIndex = podIndex, ContainerIndex = worker };
            var container = step.ContainerOf(key);
            return new PodTask(new TaskId(step, key.Key, run.Results.AttemptsOf(key.Index) + 1, pod.Name, container), container, step.KeyEnv, key) { OnWorker = true };
        }

        PodTask BatchTask(int podIndex, IPod pod, int worker, IReadOnlyList<PlannedKey> keys, BatchCutter cutter)
        {
            var taken = keys.Select(k => k with { PodIndex = podIndex, ContainerIndex = worker }).ToList();
            var container = step.ContainerOf(taken[0]);
            var attempt = run.Results.AttemptsOf(taken[0].Index) + 1;
            if (taken.Count == 1)
            {
                return new PodTask(new TaskId(step, taken[0].Key, attempt, pod.Name, container), container, step.KeyEnv, taken[0]) { OnWorker = true };
            }

            var batch = new KeyBatch(taken, [.. taken.Select(k => cutter.Estimate(k.Key))], step.Batch!.Delimiter);
            return new PodTask(new TaskId(step, batch.Text, attempt, pod.Name, container), container, step.KeyEnv, taken[0])
            {
                OnWorker = true,
                Batch = batch,
            };
        }

        var failures = await Task.WhenAll(plan.Workers.Select(async (workers, podIndex) =>
        {
            PodRequest request;
            try
            {
                request = run.Pods.ForWorkers(step, podIndex, workers);
            }
            catch (StepSetupException ex)
            {
                return new TaskResult(KeyStatus.Error, null, TimeSpan.Zero, ex.Message);
            }

            try
            {
                return await new PodExecutor(runtime, run.Events, _artifacts, podIndex, run.Timeout)
                    .RunAsync(request, step.Template, workers, (pod, worker) => Next(podIndex, pod, worker), template, onFinished, run.Cancellation)
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !run.Cancellation.IsCancellationRequested)
            {
                run.Events.On(new LogEvent(LogLevel.Error, $"pod {request.GenerateName}…: {ex.Message}; the keys it was running are reported as unknown"));
                run.Events.On(new LogEvent(LogLevel.Debug, ex.ToString()));
                return new TaskResult(KeyStatus.Error, null, TimeSpan.Zero, $"pod {request.GenerateName}… broke: {ex.Message}");
            }
        })).ConfigureAwait(false);

        run.Cancellation.ThrowIfCancellationRequested();
        if (!(firstRun && run.FailFastStopped))
        {
            var reason = failures.FirstOrDefault(f => f is not null)?.Message ?? "every worker stopped";
            foreach (var key in queue.Untaken())
            {
                var task = new PodTask(new TaskId(step, key.Key, run.Results.AttemptsOf(key.Index) + 1, "", ""), "", step.KeyEnv, key);
                onFinished(task, new TaskResult(KeyStatus.Error, null, TimeSpan.Zero, $"no worker left to run it: {reason}"));
            }
        }

        return finished > 0;
    }

    /// <summary>Records a key's result, reports it, and with fail-fast stops new keys after a failure.</summary>
    private static Action<PodTask, TaskResult> OnKeyFinished(KeysStep step, int total, RunContext run, object gate, Func<int> countFinished) =>
        (task, result) =>
        {
            lock (gate)
            {
                var finished = countFinished();
                run.Results.Record(task.Key!.Index, result, task.Id.Attempt, task.RunsAfterBatch);
                run.Events.On(new TaskFinished(task.Id, result, finished, total));
                if (step.FailFast && result.Status is KeyStatus.Failure or KeyStatus.Error && !run.FailFastStopped)
                {
                    run.FailFastStopped = true;
                    run.Events.On(new LogEvent(LogLevel.Warn, $"fail-fast: key {Printable.Escape(task.Key.Key)} failed; no new key starts, running keys finish"));
                }
            }
        };

    /// <summary>
    /// Runs <paramref name="pods"/> all at once; each key's result is recorded under its identity,
    /// as its next attempt. With fail-fast, the first failure stops keys from starting. False when
    /// none of its keys got a result (its pods broke): the caller must not try the same keys forever.
    /// </summary>
    private async Task<bool> RunPodsAsync(KeysStep step, IReadOnlyList<PlannedPod> pods, RunContext run)
    {
        var finished = 0;
        var onFinished = OnKeyFinished(step, pods.Sum(p => p.Keys.Count), run, new object(), () => ++finished);
        await Task.WhenAll(pods.Select(pod => RunPodAsync(step, pod, onFinished, run))).ConfigureAwait(false);
        return finished > 0;
    }

    private async Task RunPodAsync(KeysStep step, PlannedPod pod, Action<PodTask, TaskResult> onFinished, RunContext run)
    {
        if (step.Batch is not null)
        {
            await RunBatchedPodAsync(step, pod, onFinished, run).ConfigureAwait(false);
            return;
        }

        var tasks = pod.Keys.Select(k =>
        {
            var container = step.ContainerOf(k);
            return new PodTask(new TaskId(step, k.Key, run.Results.AttemptsOf(k.Index) + 1, "", container), container, step.KeyEnv, k);
        }).ToList();
        PodRequest request;
        try
        {
            request = run.Pods.ForKeys(step, pod);
        }
        catch (StepSetupException ex)
        {
            foreach (var task in tasks)
            {
                onFinished(task, new TaskResult(KeyStatus.Error, null, TimeSpan.Zero, ex.Message));
            }

            return;
        }

        try
        {
            await new PodExecutor(runtime, run.Events, _artifacts, pod.PodIndex, run.Timeout, task => task.Id.Attempt > 1 || !run.FailFastStopped)
                .RunAsync(request, step.Template, tasks, pod.MaxConcurrent, onFinished, run.Cancellation)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !run.Cancellation.IsCancellationRequested)
        {
            // Once keys run, nothing may cost the run its report (a vanished API server, a pod gone):
            // this pod's keys that have no result are reported as unknown.
            run.Events.On(new LogEvent(LogLevel.Error, $"pod {request.GenerateName}…: {ex.Message}; its keys without a result are reported as unknown"));
            run.Events.On(new LogEvent(LogLevel.Debug, ex.ToString()));
        }
    }
}

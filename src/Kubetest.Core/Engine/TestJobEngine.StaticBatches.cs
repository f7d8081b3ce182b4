using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Engine;

/// <summary>
/// <c>strategy.batch</c> in <c>static</c> mode: each container of a pod (<see cref="StaticBatches"/>) is a worker
/// that serves exactly its planned keys, as a queue worker serves what it takes: a batch that never ran is one
/// command (<see cref="PodExecutor"/>'s batch path: the same wrapper, <c>KUBETEST_JUNIT</c>, per-key outcomes and
/// single reruns on the same container); keys that ran before (a retest) run one by one, each key in the exec's
/// environment.
/// </summary>
public sealed partial class TestJobEngine
{
    private async Task RunBatchedPodAsync(KeysStep step, PlannedPod pod, Action<PodTask, TaskResult> onFinished, RunContext run)
    {
        var estimate = step.Durations is { Count: > 0 } durations ? Planner.Estimator(durations, step.Keys ?? []) : _ => 1.0;
        var containers = StaticBatches.Containers(pod).Select(keys => new Queue<PodTask>(ContainerTasks(step, keys, estimate, run))).ToList();
        var all = containers.SelectMany(c => c).ToList();
        PodRequest request;
        try
        {
            request = run.Pods.ForKeys(step, pod);
        }
        catch (StepSetupException ex)
        {
            Finish(all, new TaskResult(KeyStatus.Error, null, TimeSpan.Zero, ex.Message), onFinished);
            return;
        }

        // A slot takes a container and serves its tasks in turn before it takes the next container,
        // so no two commands run in one container at once. With fail-fast a first attempt is dropped (no result).
        var pending = new Queue<Queue<PodTask>>(containers);
        var serving = new Queue<PodTask>?[Math.Max(1, pod.MaxConcurrent)];
        PodTask? Next(IPod started, int worker)
        {
            lock (pending)
            {
                while (true)
                {
                    if (serving[worker] is { Count: > 0 } own)
                    {
                        var task = own.Dequeue();
                        if (task.Id.Attempt > 1 || !run.FailFastStopped)
                        {
                            return task with { Id = task.Id with { Pod = started.Name } };
                        }

                        continue;
                    }

                    if (!pending.TryDequeue(out var next))
                    {
                        return null;
                    }

                    serving[worker] = next;
                }
            }
        }

        try
        {
            var failure = await new PodExecutor(runtime, run.Events, _artifacts, pod.PodIndex, run.Timeout)
                .RunAsync(request, step.Template, pod.MaxConcurrent, Next, all[0].Id, onFinished, run.Cancellation)
                .ConfigureAwait(false);
            if (failure is not null)
            {
                Finish(all, failure, onFinished);
                return;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !run.Cancellation.IsCancellationRequested)
        {
            run.Events.On(new LogEvent(LogLevel.Error, $"pod {request.GenerateName}…: {ex.Message}; its keys without a result are reported as unknown"));
            run.Events.On(new LogEvent(LogLevel.Debug, ex.ToString()));
            return;
        }

        run.Cancellation.ThrowIfCancellationRequested();

        // A slot whose command broke the pod (error, unknown) stops: what its container still had to run did not run.
        var left = containers.SelectMany(c => c).Where(t => t.Id.Attempt > 1 || !run.FailFastStopped).ToList();
        Finish(left, new TaskResult(KeyStatus.Error, null, TimeSpan.Zero, $"not run: an earlier command in pod {pod.PodIndex} broke it (error or unknown), so its worker stopped"), onFinished);
    }

    /// <summary>A container's tasks: one batch when none of its keys ran yet and there are several, else one task per key.</summary>
    private static IEnumerable<PodTask> ContainerTasks(KeysStep step, IReadOnlyList<PlannedKey> keys, Func<string, double> estimate, RunContext run)
    {
        var container = step.ContainerOf(keys[0]);
        if (keys.Count > 1 && keys.All(k => run.Results.AttemptsOf(k.Index) == 0))
        {
            var batch = new KeyBatch(keys, [.. keys.Select(k => estimate(k.Key))], step.Batch!.Delimiter);
            yield return new PodTask(new TaskId(step, batch.Text, 1, "", container), container, step.KeyEnv, keys[0])
            {
                OnWorker = true,
                Batch = batch,
            };
            yield break;
        }

        foreach (var key in keys)
        {
            yield return new PodTask(new TaskId(step, key.Key, run.Results.AttemptsOf(key.Index) + 1, "", container), container, step.KeyEnv, key) { OnWorker = true };
        }
    }

    /// <summary>Gives each key of <paramref name="tasks"/> (a batch's keys one by one) <paramref name="result"/>.</summary>
    private static void Finish(IEnumerable<PodTask> tasks, TaskResult result, Action<PodTask, TaskResult> onFinished)
    {
        foreach (var task in tasks)
        {
            foreach (var key in task.Batch?.Keys ?? [task.Key!])
            {
                onFinished(task with { Id = task.Id with { Name = key.Key }, Key = key, Batch = null }, result);
            }
        }
    }
}

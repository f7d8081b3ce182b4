namespace Kubetest.Engine;

/// <summary>One pod a work source needs: its index in the key step and how many workers (held containers) serve its work at once.</summary>
internal sealed record WorkerPod(int PodIndex, int Workers);

/// <summary>
/// A way of handing a key step's work to workers, for <see cref="WorkerLoop"/>: which pods to start, what each worker
/// runs next, and what becomes of work no worker ran. Implementations are thread-safe (workers of every pod ask at once).
/// </summary>
internal interface IWorkSource
{
    IReadOnlyList<WorkerPod> Pods { get; }

    /// <summary>The pod to start; throws <see cref="StepSetupException"/> when it cannot be made (a volume kubetest cannot give).</summary>
    PodRequest Request(WorkerPod pod);

    /// <summary>What <paramref name="worker"/> of the pod runs next, or null when there is nothing more for it.</summary>
    Work? Next(int podIndex, int worker);

    /// <summary>The work only this pod would have run, now that it did not start: it ends with the pod's failure.</summary>
    IReadOnlyList<Work> Stranded(int podIndex);

    /// <summary>Work the pod would still have run when its workers stopped (a run broke its container), and why it did not run.</summary>
    IReadOnlyList<(Work Work, string Why)> Unserved(int podIndex);

    /// <summary>After every pod ended: work no worker took; <paramref name="podFailure"/> is the first pod failure, if any.</summary>
    IReadOnlyList<(Work Work, string Why)> Leftovers(string? podFailure);
}

/// <summary><c>static</c> mode, one key per container: each pod runs exactly its planned keys, each in the container the plan gave it.</summary>
internal sealed class StaticKeySource(KeysStep step, IReadOnlyList<PlannedPod> pods, MainResults results, PodRequestBuilder builder) : IWorkSource
{
    private readonly Dictionary<int, (PlannedPod Pod, Queue<Work> Work)> _pods = pods.ToDictionary(
        p => p.PodIndex,
        p => (p, new Queue<Work>(p.Keys.Select(k => (Work)new KeyRun(k.Id, step.ContainerOf(k), results.AttemptsOf(k.Index) + 1, KeyInExec: false)))));

    public IReadOnlyList<WorkerPod> Pods { get; } = [.. pods.Select(p => new WorkerPod(p.PodIndex, p.MaxConcurrent))];

    public PodRequest Request(WorkerPod pod) => builder.ForKeys(step, _pods[pod.PodIndex].Pod);

    public Work? Next(int podIndex, int worker)
    {
        var queue = _pods[podIndex].Work;
        lock (queue)
        {
            return queue.TryDequeue(out var work) ? work : null;
        }
    }

    public IReadOnlyList<Work> Stranded(int podIndex) => Drain(_pods[podIndex].Work);

    /// <summary>A key's container serves no other key: nothing waits on a broken one.</summary>
    public IReadOnlyList<(Work Work, string Why)> Unserved(int podIndex) => [];

    public IReadOnlyList<(Work Work, string Why)> Leftovers(string? podFailure) => [];

    internal static List<Work> Drain(Queue<Work> queue)
    {
        lock (queue)
        {
            var all = queue.ToList();
            queue.Clear();
            return all;
        }
    }
}

/// <summary>
/// <c>static</c> mode with <c>strategy.batch</c>: each container of a pod (<see cref="StaticBatches"/>) serves exactly its
/// planned keys: one batch when none of them ran yet and there are several, else key after key (a retest), each key in
/// the exec's environment. A worker takes a container and serves its work in turn before it takes the next container,
/// so no two commands run in one container at once.
/// </summary>
internal sealed class StaticBatchSource : IWorkSource
{
    private readonly KeysStep _step;
    private readonly PodRequestBuilder _builder;
    private readonly Dictionary<int, PodWork> _pods = [];

    public StaticBatchSource(KeysStep step, IReadOnlyList<PlannedPod> pods, MainResults results, PodRequestBuilder builder)
    {
        _step = step;
        _builder = builder;
        var estimate = step.Durations is { Count: > 0 } durations ? Planner.Estimator(durations, step.Keys ?? []) : _ => 1.0;
        foreach (var pod in pods)
        {
            var containers = StaticBatches.Containers(pod).Select(keys => new Queue<Work>(ContainerWork(keys, estimate, results))).ToList();
            _pods[pod.PodIndex] = new PodWork(pod, new Queue<Queue<Work>>(containers), containers, new Queue<Work>?[Math.Max(1, pod.MaxConcurrent)]);
        }

        Pods = [.. pods.Select(p => new WorkerPod(p.PodIndex, p.MaxConcurrent))];
    }

    public IReadOnlyList<WorkerPod> Pods { get; }

    public PodRequest Request(WorkerPod pod) => _builder.ForKeys(_step, _pods[pod.PodIndex].Pod);

    public Work? Next(int podIndex, int worker)
    {
        var pod = _pods[podIndex];
        lock (pod)
        {
            while (true)
            {
                if (pod.Serving[worker] is { Count: > 0 } own)
                {
                    return own.Dequeue();
                }

                if (!pod.Pending.TryDequeue(out var next))
                {
                    return null;
                }

                pod.Serving[worker] = next;
            }
        }
    }

    public IReadOnlyList<Work> Stranded(int podIndex) => Remaining(podIndex);

    public IReadOnlyList<(Work Work, string Why)> Unserved(int podIndex) =>
        [.. Remaining(podIndex).Select(w => (w, $"not run: an earlier command in pod {podIndex} broke it (error or unknown), so its worker stopped"))];

    public IReadOnlyList<(Work Work, string Why)> Leftovers(string? podFailure) => [];

    private List<Work> Remaining(int podIndex)
    {
        var pod = _pods[podIndex];
        lock (pod)
        {
            pod.Pending.Clear();
            return [.. pod.Containers.SelectMany(c => StaticKeySource.Drain(c))];
        }
    }

    /// <summary>A container's work: one batch when none of its keys ran yet and there are several, else a run per key.</summary>
    private IEnumerable<Work> ContainerWork(IReadOnlyList<PlannedKey> keys, Func<string, double> estimate, MainResults results)
    {
        var container = _step.ContainerOf(keys[0]);
        if (keys.Count > 1 && keys.All(k => results.AttemptsOf(k.Index) == 0))
        {
            return [new BatchRun(new KeyBatch([.. keys.Select(k => k.Id)], [.. keys.Select(k => estimate(k.Key))], _step.Batch!.Delimiter), container, 1)];
        }

        return [.. keys.Select(k => new KeyRun(k.Id, container, results.AttemptsOf(k.Index) + 1, KeyInExec: true))];
    }

    private sealed record PodWork(PlannedPod Pod, Queue<Queue<Work>> Pending, IReadOnlyList<Queue<Work>> Containers, Queue<Work>?[] Serving);
}

/// <summary>
/// <c>queue</c> mode: every free worker of any pod takes the next key (or, for keys that never ran, the next batch
/// <see cref="BatchCutter"/> cuts) of one shared <see cref="KeyQueue"/>, so a slow pod never holds keys another could
/// run. Keys left in the queue because no worker could run them (every pod failed to start or broke) end as errors.
/// </summary>
internal sealed class QueueSource : IWorkSource
{
    private readonly KeysStep _step;
    private readonly MainResults _results;
    private readonly PodRequestBuilder _builder;
    private readonly KeyQueue _queue;
    private readonly BatchCutter? _cutter;

    public QueueSource(KeysStep step, QueuePlan plan, MainResults results, PodRequestBuilder builder)
    {
        (_step, _results, _builder) = (step, results, builder);
        _queue = new KeyQueue(plan.Order);

        // Keys that never ran go in batches; a rerun runs alone (a failed batch's keys already did).
        var firstRun = plan.Order.All(k => results.AttemptsOf(k.Index) == 0);
        _cutter = step.Batch is { } batch && firstRun ? new BatchCutter(plan.Order, batch, step.KeyEnv, plan.WorkerCount, step.Durations) : null;
        Pods = [.. plan.Workers.Select((workers, podIndex) => new WorkerPod(podIndex, workers))];
    }

    public IReadOnlyList<WorkerPod> Pods { get; }

    public PodRequest Request(WorkerPod pod) => _builder.ForWorkers(_step, pod.PodIndex, pod.Workers);

    public Work? Next(int podIndex, int worker)
    {
        var container = _step.WorkerName(podIndex, worker);
        if (_cutter is not null)
        {
            if (!_queue.TryTakeBatch(_cutter, out var keys))
            {
                return null;
            }

            if (keys.Count > 1)
            {
                return new BatchRun(new KeyBatch(keys, [.. keys.Select(k => _cutter.Estimate(k.Key))], _step.Batch!.Delimiter), container, _results.AttemptsOf(keys[0].Index) + 1);
            }

            return new KeyRun(keys[0], container, _results.AttemptsOf(keys[0].Index) + 1, KeyInExec: true);
        }

        return _queue.TryTake(out var key) ? new KeyRun(key, container, _results.AttemptsOf(key.Index) + 1, KeyInExec: true) : null;
    }

    /// <summary>A pod that did not start leaves its keys in the queue for the others.</summary>
    public IReadOnlyList<Work> Stranded(int podIndex) => [];

    public IReadOnlyList<(Work Work, string Why)> Unserved(int podIndex) => [];

    public IReadOnlyList<(Work Work, string Why)> Leftovers(string? podFailure) =>
        [.. _queue.Untaken().Select(k => ((Work)new KeyRun(k, "", _results.AttemptsOf(k.Index) + 1, KeyInExec: true), $"no worker left to run it: {podFailure ?? "every worker stopped"}"))];
}

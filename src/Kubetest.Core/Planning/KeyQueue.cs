using System.Diagnostics.CodeAnalysis;

namespace Kubetest.Planning;

/// <summary>
/// The plan of a <c>queue</c> mode key step: the keys in the order workers take them (a key's place is
/// the worker that takes it) and how many worker containers each pod holds.
/// </summary>
public sealed record QueuePlan(IReadOnlyList<KeyId> Order, IReadOnlyList<int> Workers)
{
    /// <summary>Worker containers in all pods.</summary>
    public int WorkerCount => Workers.Sum();

    /// <summary>
    /// Builds the queue: by <paramref name="durations"/> (the median for a key without one) when any are known,
    /// longest-first refined by <see cref="TimedQueueOrder"/>, or for keys taken in batches (<paramref name="batched"/>)
    /// the long keys first and the rest in their own order (<see cref="BatchedQueueOrder"/>); else in the keys' own order.
    /// </summary>
    public static QueuePlan Build(IReadOnlyList<string> keys, Scheduler scheduler, IReadOnlyDictionary<string, double>? durations, bool batched = false)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(scheduler);
        var order = keys.Select((k, i) => new KeyId(k, i)).ToList();
        if (durations is { Count: > 0 })
        {
            var estimate = Planner.Estimator(durations, keys);
            var workers = WorkersFor(keys.Count, scheduler);
            if (batched)
            {
                return new QueuePlan(BatchedQueueOrder.Order(order, estimate, workers.Sum()), workers);
            }

            // OrderBy is stable: keys of equal estimate keep their own order.
            order = [.. order.OrderByDescending(k => estimate(k.Key))];
            return new QueuePlan(TimedQueueOrder.Order(order, estimate, workers.Sum()), workers);
        }

        return new QueuePlan(order, WorkersFor(keys.Count, scheduler));
    }

    /// <summary>
    /// Worker containers per pod for <paramref name="keyCount"/> keys: as many pods as <c>static</c> mode
    /// would plan, each with the slots it would have (<c>maxConcurrentNumPerPod</c>, at most its share of
    /// the keys), so both modes run the same number of keys at once.
    /// </summary>
    public static IReadOnlyList<int> WorkersFor(int keyCount, Scheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        if (keyCount == 0)
        {
            return [];
        }

        var pods = Planner.PodCount(keyCount, scheduler);
        return Enumerable.Range(0, pods)
            .Select(p => Planner.Concurrency((keyCount / pods) + (p < keyCount % pods ? 1 : 0), scheduler.MaxConcurrentNumPerPod))
            .ToList();
    }

    /// <summary>The same plan for a part of its keys (a retest, keys a fail-fast held back): their queue order kept, workers for their number.</summary>
    public QueuePlan Subset(IReadOnlySet<int> indexes, Scheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        var order = Order.Where(k => indexes.Contains(k.Index)).ToList();
        return new QueuePlan(order, WorkersFor(order.Count, scheduler));
    }

    /// <summary>
    /// The makespan on a virtual clock: every worker free at 0, the first free worker takes the next key
    /// of a <see cref="KeyQueue"/> over <see cref="Order"/>, as the engine's workers do; start-up costs left out.
    /// </summary>
    public double Makespan(Func<string, double> duration)
    {
        ArgumentNullException.ThrowIfNull(duration);
        var queue = new KeyQueue(Order);
        var free = new PriorityQueue<int, double>();
        for (var w = 0; w < Math.Max(1, WorkerCount); w++)
        {
            free.Enqueue(w, 0);
        }

        var end = 0.0;
        while (queue.TryTake(out var key))
        {
            free.TryDequeue(out var worker, out var at);
            var done = at + duration(key.Key);
            end = Math.Max(end, done);
            free.Enqueue(worker, done);
        }

        return end;
    }
}

/// <summary>
/// The one queue of a <c>queue</c> mode run: every free worker of every pod takes the next key from it.
/// Thread-safe; each key is taken once.
/// </summary>
public sealed class KeyQueue(IReadOnlyList<KeyId> order)
{
    private readonly object _batchGate = new();
    private int _next = -1;

    /// <summary>Keys not taken yet.</summary>
    public int Remaining => Math.Max(0, order.Count - Math.Min(order.Count, Volatile.Read(ref _next) + 1));

    public bool TryTake([NotNullWhen(true)] out KeyId? key)
    {
        if (Volatile.Read(ref _next) + 1 >= order.Count)
        {
            key = null;
            return false;
        }

        var i = Interlocked.Increment(ref _next);
        key = i < order.Count ? order[i] : null;
        return key is not null;
    }

    /// <summary>
    /// Takes the next batch: as many keys from the head as <paramref name="cutter"/> cuts there. Not to be mixed
    /// with <see cref="TryTake"/> on one queue (a queue of a batched run is only taken from in batches).
    /// </summary>
    public bool TryTakeBatch(BatchCutter cutter, [NotNullWhen(true)] out IReadOnlyList<KeyId>? keys)
    {
        ArgumentNullException.ThrowIfNull(cutter);
        lock (_batchGate)
        {
            var head = Volatile.Read(ref _next) + 1;
            var count = cutter.Count(head);
            if (count == 0)
            {
                keys = null;
                return false;
            }

            keys = [.. order.Skip(head).Take(count)];
            Volatile.Write(ref _next, head + count - 1);
            return true;
        }
    }

    /// <summary>The keys no worker took, in queue order.</summary>
    public IReadOnlyList<KeyId> Untaken() => [.. order.Skip(Math.Min(order.Count, Volatile.Read(ref _next) + 1))];
}

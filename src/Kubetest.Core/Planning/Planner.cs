namespace Kubetest.Planning;

/// <summary>
/// A key's identity for the whole run, fixed when the keys are known and carried to the report:
/// <paramref name="Index"/> is its place in the run's keys (the list given to the planner). A retest
/// reruns it under the same identity.
/// </summary>
public sealed record KeyId(string Key, int Index);

/// <summary>
/// A key with its place in a <c>static</c> plan: its container, <c>&lt;main&gt;&lt;PodIndex&gt;-&lt;ContainerIndex&gt;</c>,
/// is also its export directory, and a retest reruns it there. (A <c>queue</c> mode key has no place
/// until a worker takes it: it is a <see cref="KeyId"/> only.)
/// </summary>
public sealed record PlannedKey(string Key, int Index, int PodIndex, int ContainerIndex)
{
    public KeyId Id => new(Key, Index);
}

/// <summary>One pod of the plan: its keys (one container each) and how many may run at once.</summary>
public sealed record PlannedPod(int PodIndex, IReadOnlyList<PlannedKey> Keys, int MaxConcurrent);

/// <summary>Keys → pods → containers → concurrency. Pure; the engine runs what it returns.</summary>
public static class Planner
{
    /// <summary>
    /// The pods of a retest: each failed key in the pod and container it had in <paramref name="plan"/>,
    /// so it keeps its container name and with it its export directory (<c>&lt;main&gt;&lt;pod&gt;-&lt;index&gt;</c>).
    /// </summary>
    /// <param name="plan">The first attempt's plan.</param>
    /// <param name="failed">The <see cref="PlannedKey.Index"/>es of the keys to run again.</param>
    public static IReadOnlyList<PlannedPod> Retest(IReadOnlyList<PlannedPod> plan, IReadOnlySet<int> failed)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(failed);
        return plan
            .Select(pod => pod with { Keys = pod.Keys.Where(k => failed.Contains(k.Index)).ToList() })
            .Where(pod => pod.Keys.Count > 0)
            .ToList();
    }

    /// <summary>
    /// Packs keys into as few pods as the scheduler's limits allow and spreads them evenly
    /// (round-robin, so that keys ordered longest-first land on different pods). Without any
    /// limit, all keys share one pod. A limit of zero means "not set", as in the original.
    /// </summary>
    /// <param name="keys">The keys, in the order they should start when nothing else is known.</param>
    /// <param name="scheduler">The manifest's limits.</param>
    /// <param name="durations">
    /// Past durations in seconds by key (from an earlier report), or null. When given, keys start
    /// longest-first and each goes to the least-loaded pod that has room (LPT), so the longest
    /// keys never start last. Keys without a past duration count as the mean of the known ones.
    /// </param>
    public static IReadOnlyList<PlannedPod> Plan(IReadOnlyList<string> keys, Scheduler scheduler, IReadOnlyDictionary<string, double>? durations = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(scheduler);
        if (keys.Count == 0)
        {
            return [];
        }

        var podCount = PodCount(keys.Count, scheduler);
        var pods = Enumerable.Range(0, podCount).Select(_ => new List<PlannedKey>()).ToList();
        if (durations is null || durations.Count == 0)
        {
            for (var i = 0; i < keys.Count; i++)
            {
                var podIndex = i % podCount;
                pods[podIndex].Add(new PlannedKey(keys[i], i, podIndex, pods[podIndex].Count));
            }
        }
        else
        {
            LongestFirst(keys, durations, pods);
        }

        return pods
            .Select((podKeys, index) => new PlannedPod(index, podKeys, Concurrency(podKeys.Count, scheduler.MaxConcurrentNumPerPod)))
            .ToList();
    }

    private static void LongestFirst(IReadOnlyList<string> keys, IReadOnlyDictionary<string, double> durations, List<List<PlannedKey>> pods)
    {
        var estimate = keys.Select(Estimator(durations, keys)).ToList();
        var capacity = (keys.Count + pods.Count - 1) / pods.Count;
        var load = new double[pods.Count];
        foreach (var i in Enumerable.Range(0, keys.Count).OrderByDescending(i => estimate[i]))
        {
            var podIndex = -1;
            for (var p = 0; p < pods.Count; p++)
            {
                if (pods[p].Count < capacity && (podIndex < 0 || load[p] < load[podIndex] || (load[p] == load[podIndex] && pods[p].Count < pods[podIndex].Count)))
                {
                    podIndex = p;
                }
            }

            load[podIndex] += estimate[i];
            pods[podIndex].Add(new PlannedKey(keys[i], i, podIndex, pods[podIndex].Count));
        }
    }

    /// <summary>
    /// A key's expected seconds: its past duration (under the key, else under the key as a dotted id, see
    /// <see cref="Reporting.JUnitNames.Normalize"/>), or for a key without one the median of the known ones
    /// among <paramref name="keys"/> (of every entry when none is given or none of them is known). The
    /// median, not the mean: one giant key would otherwise make every new key look long.
    /// </summary>
    public static Func<string, double> Estimator(IReadOnlyDictionary<string, double> durations, IEnumerable<string>? keys = null)
    {
        ArgumentNullException.ThrowIfNull(durations);
        double? Known(string key) =>
            durations.TryGetValue(key, out var seconds) || durations.TryGetValue(Reporting.JUnitNames.Normalize(key), out seconds) ? seconds : null;
        var known = keys?.Select(Known).OfType<double>().ToList();
        var fallback = Median(known is { Count: > 0 } ? known : durations.Values);
        return key => Known(key) ?? fallback;
    }

    /// <summary>
    /// How long a pod of the plan should be busy: its containers in order (a key each, or a static batch's keys
    /// run one after the other), each taken by the first of its <see cref="PlannedPod.MaxConcurrent"/> slots to be
    /// free (as the engine runs them).
    /// </summary>
    public static double BusyTime(PlannedPod pod, Func<string, double> estimate)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(estimate);
        var slots = new PriorityQueue<int, double>();
        for (var i = 0; i < Math.Max(1, pod.MaxConcurrent); i++)
        {
            slots.Enqueue(i, 0);
        }

        var busy = 0.0;
        foreach (var container in StaticBatches.Containers(pod))
        {
            slots.TryDequeue(out var slot, out var free);
            var end = free + container.Sum(k => estimate(k.Key));
            busy = Math.Max(busy, end);
            slots.Enqueue(slot, end);
        }

        return busy;
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count); 0 for none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return 0;
        }

        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    internal static int PodCount(int keyCount, Scheduler scheduler)
    {
        if (scheduler.MaxContainersPerPod > 0)
        {
            return (keyCount + scheduler.MaxContainersPerPod - 1) / scheduler.MaxContainersPerPod;
        }

        return scheduler.MaxPodNum > 0 ? Math.Min(scheduler.MaxPodNum, keyCount) : 1;
    }

    internal static int Concurrency(int containers, int maxConcurrent) =>
        maxConcurrent > 0 ? Math.Min(maxConcurrent, containers) : containers;
}

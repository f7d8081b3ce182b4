using Kubetest.Model;

namespace Kubetest.Planning;

/// <summary>
/// One key in its pod: the key container is <c>&lt;main&gt;&lt;PodIndex&gt;-&lt;ContainerIndex&gt;</c>;
/// <paramref name="Ordinal"/> is the key's place in the list given to the planner.
/// </summary>
public sealed record PlannedKey(string Key, int Ordinal, int PodIndex, int ContainerIndex);

/// <summary>One pod of the plan: its keys (one container each) and how many may run at once.</summary>
public sealed record PlannedPod(int PodIndex, IReadOnlyList<PlannedKey> Keys, int MaxConcurrent);

/// <summary>Keys → pods → containers → concurrency. Pure; the engine runs what it returns.</summary>
public static class Planner
{
    /// <summary>
    /// Packs keys into as few pods as the scheduler's limits allow and spreads them evenly
    /// (round-robin, so that keys ordered longest-first land on different pods). Without any
    /// limit, all keys share one pod. A limit of zero means "not set", as in the original.
    /// </summary>
    public static IReadOnlyList<PlannedPod> Plan(IReadOnlyList<string> keys, Scheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(scheduler);
        if (keys.Count == 0)
        {
            return [];
        }

        var podCount = PodCount(keys.Count, scheduler);
        var pods = Enumerable.Range(0, podCount).Select(_ => new List<PlannedKey>()).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            var podIndex = i % podCount;
            pods[podIndex].Add(new PlannedKey(keys[i], i, podIndex, pods[podIndex].Count));
        }

        return pods
            .Select((podKeys, index) => new PlannedPod(index, podKeys, Concurrency(podKeys.Count, scheduler.MaxConcurrentNumPerPod)))
            .ToList();
    }

    private static int PodCount(int keyCount, Scheduler scheduler)
    {
        if (scheduler.MaxContainersPerPod > 0)
        {
            return (keyCount + scheduler.MaxContainersPerPod - 1) / scheduler.MaxContainersPerPod;
        }

        return scheduler.MaxPodNum > 0 ? Math.Min(scheduler.MaxPodNum, keyCount) : 1;
    }

    private static int Concurrency(int containers, int maxConcurrent) =>
        maxConcurrent > 0 ? Math.Min(maxConcurrent, containers) : containers;
}

namespace Kubetest.Planning;

/// <summary>
/// <c>strategy.batch</c> in <c>static</c> mode: keys are bound to pods as <see cref="Planner.Plan"/> binds them, then
/// each pod's keys are cut into batches by the same <see cref="BatchCutter"/> a queue uses, in the pod's planned order,
/// with the pod's concurrent slots as its workers (so a batch holds at most one slot's share of the pod's work left,
/// and a pod's batches shrink towards its end). A batch is one container of the pod: its keys share a
/// <see cref="PlannedKey.ContainerIndex"/>, the batch's place in the pod, and stand next to each other in
/// <see cref="PlannedPod.Keys"/>.
/// </summary>
public static class StaticBatches
{
    /// <summary>The pods of <paramref name="pods"/> with each pod's keys cut into batches, one container each.</summary>
    /// <param name="variable">The key variable's name: a batch's keys joined in it stay within <see cref="BatchCutter.MaxVariableBytes"/>.</param>
    public static IReadOnlyList<PlannedPod> Cut(IReadOnlyList<PlannedPod> pods, Batch batch, string variable, IReadOnlyDictionary<string, double>? durations)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(batch);
        return pods.Select(pod =>
        {
            var batches = new BatchCutter([.. pod.Keys.Select(k => k.Id)], batch, variable, pod.MaxConcurrent, durations).All();
            var keys = batches.SelectMany((keys, container) => keys.Select(k => new PlannedKey(k.Key, k.Index, pod.PodIndex, container))).ToList();
            return pod with { Keys = keys, MaxConcurrent = Math.Min(pod.MaxConcurrent, batches.Count) };
        }).ToList();
    }

    /// <summary>
    /// A pod's keys by container, in order: one key each without batches, a batch's keys together with them (also
    /// in a retest's pod, which keeps the failed keys of a batch in their batch's container).
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<PlannedKey>> Containers(PlannedPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var containers = new List<IReadOnlyList<PlannedKey>>();
        List<PlannedKey>? current = null;
        foreach (var key in pod.Keys)
        {
            if (current is null || current[0].ContainerIndex != key.ContainerIndex)
            {
                current = [];
                containers.Add(current);
            }

            current.Add(key);
        }

        return containers;
    }
}

namespace Kubetest.Planning;

/// <summary>
/// One case of the scheduling simulation: the run's keys in manifest order, the manifest's limits,
/// each key's true duration in seconds (what it takes when it runs) and, for the policies that use
/// timings, the durations the planner is told (null: none known).
/// </summary>
public sealed record SimulationCase(
    IReadOnlyList<string> Keys,
    Scheduler Scheduler,
    IReadOnlyDictionary<string, double> Actual,
    IReadOnlyDictionary<string, double>? Known = null);

/// <summary>A scheduling policy on the virtual clock: its name and the makespan it reaches on a case.</summary>
public sealed record SchedulePolicy(string Name, Func<SimulationCase, double> Makespan);

/// <summary>
/// Makespans of scheduling policies on a virtual clock: no process runs and nothing sleeps, each
/// key simply takes its <see cref="SimulationCase.Actual"/> seconds. The <c>static</c> policy runs the
/// real <see cref="Planner.Plan"/> and then the engine's per-pod slots (<see cref="Planner.BusyTime"/>:
/// a pod's <c>maxConcurrentNumPerPod</c> workers take its keys in order as soon as a slot is free, as
/// <c>PodExecutor</c> does); the <c>queue</c> policy runs the mode's own queue and worker layout. Start-up costs are left out. Pure; a new policy is one more <see cref="SchedulePolicy"/>.
/// </summary>
public static class ScheduleSimulator
{
    /// <summary>Today's <c>static</c> mode: keys bound to pods when planned (with <see cref="SimulationCase.Known"/> as the planner's durations, if any).</summary>
    public static readonly SchedulePolicy Static = new("static", StaticMakespan);

    /// <summary>The original's (goccy/kubetest) policy: in-order chunks per pod, fixed waves inside each pod.</summary>
    public static readonly SchedulePolicy Original = new("original", OriginalMakespan);

    /// <summary>
    /// <c>scheduler.mode: queue</c>, through its own code: <see cref="QueuePlan.Build"/> (the order: longest-first
    /// when <see cref="SimulationCase.Known"/> is given, else manifest order; the worker containers per pod) and
    /// <see cref="QueuePlan.Makespan"/>, whose free workers take keys from the same <see cref="KeyQueue"/> the engine's do.
    /// </summary>
    public static readonly SchedulePolicy Queue = new("queue", QueueMakespan);

    /// <summary>The makespan of <see cref="Queue"/>.</summary>
    public static double QueueMakespan(SimulationCase run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return QueuePlan.Build(run.Keys, run.Scheduler with { Mode = SchedulerMode.Queue }, run.Known).Makespan(Duration(run.Actual));
    }

    /// <summary>The longest pod of today's <c>static</c> plan when each key takes its true duration.</summary>
    public static double StaticMakespan(SimulationCase run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var actual = Duration(run.Actual);
        return Planner.Plan(run.Keys, run.Scheduler, run.Known)
            .Select(pod => Planner.BusyTime(pod, actual))
            .DefaultIfEmpty(0)
            .Max();
    }

    /// <summary>
    /// The original's makespan. Its <c>TaskScheduler</c> cuts the keys in order into one chunk per pod
    /// (<c>maxPodNum</c>: <c>keys / maxPodNum</c> each, the last pod also takes the remainder, one key per
    /// pod when there are fewer keys than pods; <c>maxContainersPerPod</c>: chunks of that size, the last
    /// one shorter), and its <c>SubTaskScheduler</c> runs a pod's keys in fixed waves of
    /// <c>maxConcurrentNumPerPod</c> (all at once when not set), each wave waiting for its slowest key.
    /// Pods run side by side. Without either pod limit (an error in the original) all keys share one pod.
    /// </summary>
    public static double OriginalMakespan(SimulationCase run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var actual = Duration(run.Actual);
        return OriginalChunks(run.Keys, run.Scheduler)
            .Select(chunk => Waves(chunk, run.Scheduler.MaxConcurrentNumPerPod).Sum(wave => wave.Max(actual)))
            .DefaultIfEmpty(0)
            .Max();
    }

    /// <summary>The keys of each of the original's pods, in order.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> OriginalChunks(IReadOnlyList<string> keys, Scheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(scheduler);
        var chunks = new List<IReadOnlyList<string>>();
        if (keys.Count == 0)
        {
            return chunks;
        }

        if (scheduler.MaxPodNum > 0)
        {
            if (keys.Count < scheduler.MaxPodNum)
            {
                return keys.Select(k => (IReadOnlyList<string>)[k]).ToList();
            }

            var perPod = keys.Count / scheduler.MaxPodNum;
            for (var i = 0; i < scheduler.MaxPodNum; i++)
            {
                var count = i == scheduler.MaxPodNum - 1 ? keys.Count - (i * perPod) : perPod;
                chunks.Add(keys.Skip(i * perPod).Take(count).ToList());
            }

            return chunks;
        }

        return scheduler.MaxContainersPerPod > 0 ? keys.Chunk(scheduler.MaxContainersPerPod).ToList() : [keys];
    }

    /// <summary>
    /// The lower bound no policy can beat: max(total work / slots, longest key), where the slots are
    /// those of today's plan (the pods the limits allow, each with its <c>maxConcurrentNumPerPod</c>).
    /// </summary>
    public static double LowerBound(SimulationCase run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Keys.Count == 0)
        {
            return 0;
        }

        var actual = Duration(run.Actual);
        var slots = Slots(run.Keys, run.Scheduler);
        return Math.Max(run.Keys.Sum(actual) / slots, run.Keys.Max(actual));
    }

    /// <summary>How many keys may run at once under the limits: the slots of all pods of the plan.</summary>
    public static int Slots(IReadOnlyList<string> keys, Scheduler scheduler) =>
        Planner.Plan(keys, scheduler).Sum(pod => Math.Max(1, pod.MaxConcurrent));

    private static IEnumerable<string[]> Waves(IReadOnlyList<string> chunk, int maxConcurrent) =>
        chunk.Chunk(maxConcurrent > 0 ? maxConcurrent : chunk.Count);

    private static Func<string, double> Duration(IReadOnlyDictionary<string, double> actual) =>
        key => actual.TryGetValue(key, out var seconds) ? seconds : throw new ArgumentException($"no duration for key '{key}'", nameof(actual));
}

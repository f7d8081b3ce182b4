namespace Kubetest.Planning;

/// <summary>One row of the sizing table: the expected makespan with <paramref name="Pods"/> pods; <paramref name="Planned"/> for the manifest's own count.</summary>
public sealed record SizingRow(int Pods, double Makespan, bool Planned);

/// <summary>The smallest pod count whose expected makespan is at most the target, or null (with the longest key, which no count beats) when none is.</summary>
public sealed record SizingAnswer(int? Pods, double Makespan, double LongestKey);

/// <summary>
/// How the expected makespan of a key step (its keys known, durations known) changes with the number of pods:
/// the same simulation the dry run's own makespan uses, with <c>maxPodNum</c> set to each count and
/// <c>maxContainersPerPod</c> unset, the per-pod slots (<c>maxConcurrentNumPerPod</c>) kept. <c>static</c> mode plans
/// with <see cref="Planner.Plan"/>, cuts its batches (<see cref="StaticBatches"/>) and runs each pod's slots
/// (<see cref="Planner.BusyTime"/>); <c>queue</c> mode runs its queue (<see cref="QueuePlan.Makespan"/>, one key a take,
/// as its own makespan does: queue batches are not simulated). Left out, as everywhere in the simulation: start-up
/// costs (scheduling a pod, pulling its image, a batch's runner starting), which favour fewer pods than it shows.
/// </summary>
public static class FleetSizing
{
    /// <summary>The table goes up to this many times the planned pod count.</summary>
    public const int TableFactor = 4;

    /// <summary>The most rows of the table, so a huge manifest's dry run stays quick (powers of two reach far before).</summary>
    public const int MaxRows = 64;

    /// <summary>The most pods a row or an answer considers: beyond, each simulation costs more than the dry run is worth.</summary>
    public const int MaxPods = 4096;

    /// <summary>The expected makespan of <paramref name="step"/> with <paramref name="pods"/> pods.</summary>
    public static double Makespan(KeysStep step, int pods)
    {
        ArgumentNullException.ThrowIfNull(step);
        var keys = step.Keys ?? throw new ArgumentException("the key step's keys are not known", nameof(step));
        var durations = step.Durations is { Count: > 0 } known ? known : throw new ArgumentException("no durations are known", nameof(step));
        var estimate = Planner.Estimator(durations, keys);
        var scheduler = step.Scheduler with { MaxPodNum = Math.Max(1, pods), MaxContainersPerPod = 0 };
        if (step.Queued)
        {
            return QueuePlan.Build(keys, scheduler, durations).Makespan(estimate);
        }

        var plan = Planner.Plan(keys, scheduler, durations);
        if (step.Batch is { } batch)
        {
            plan = StaticBatches.Cut(plan, batch, step.KeyEnv, durations);
        }

        return plan.Select(pod => Planner.BusyTime(pod, estimate)).DefaultIfEmpty(0).Max();
    }

    /// <summary>
    /// The table: 1, 2, 4, 8, … pods up to <see cref="TableFactor"/> times <paramref name="planned"/>, and
    /// <paramref name="planned"/> itself, never more pods than keys nor than <see cref="MaxPods"/>, at most <see cref="MaxRows"/> rows.
    /// </summary>
    public static IReadOnlyList<SizingRow> Table(KeysStep step, int planned)
    {
        ArgumentNullException.ThrowIfNull(step);
        var limit = Math.Min(Math.Min(step.Keys?.Count ?? 0, MaxPods), Math.Max(1, planned) * TableFactor);
        var counts = new SortedSet<int>();
        for (var pods = 1; pods <= limit && counts.Count < MaxRows - 1; pods *= 2)
        {
            counts.Add(pods);
        }

        if (planned >= 1 && planned <= MaxPods)
        {
            counts.Add(planned);
        }

        return [.. counts.Select(pods => new SizingRow(pods, Makespan(step, pods), pods == planned))];
    }

    /// <summary>
    /// The smallest pod count (up to one pod a key, at most <see cref="MaxPods"/>) whose expected makespan is at most
    /// <paramref name="targetSeconds"/>, found by bisection: more pods never make the simulated run longer by much, and
    /// each step is one simulation, so a huge manifest stays quick. None when even the most pods miss it.
    /// </summary>
    public static SizingAnswer Smallest(KeysStep step, double targetSeconds)
    {
        ArgumentNullException.ThrowIfNull(step);
        var keys = step.Keys ?? throw new ArgumentException("the key step's keys are not known", nameof(step));
        var estimate = Planner.Estimator(step.Durations ?? new Dictionary<string, double>(), keys);
        var longest = keys.Select(estimate).DefaultIfEmpty(0).Max();
        var most = Math.Max(1, Math.Min(keys.Count, MaxPods));
        var atMost = Makespan(step, most);
        if (atMost > targetSeconds)
        {
            return new SizingAnswer(null, atMost, longest);
        }

        var (low, high, best) = (1, most, atMost);
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            var makespan = Makespan(step, middle);
            if (makespan <= targetSeconds)
            {
                (high, best) = (middle, makespan);
            }
            else
            {
                low = middle + 1;
            }
        }

        return new SizingAnswer(high, best, longest);
    }
}

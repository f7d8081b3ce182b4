namespace Kubetest.Planning;

/// <summary>
/// The queue's order when past durations are known. Plain longest-first leaves up to a third of a slot's
/// time on the table when each worker gets only a few keys (LPT's 4/3 bound), so the order is derived from
/// a planned schedule: longest-first onto the least-loaded worker, then moves and swaps of keys out of the
/// busiest worker while they shorten it, each worker's keys longest-first, and the queue sorted by planned
/// start. Workers that take the next key when free replay that schedule when the durations hold, and fall
/// back to list scheduling of a near longest-first order when they do not. The search runs only up to
/// <see cref="MaxSearchedKeys"/> keys: beyond that every worker gets many keys and longest-first is within a
/// key's length of the bound already.
/// </summary>
internal static class TimedQueueOrder
{
    public const int MaxSearchedKeys = 5_000;

    private const int MaxSteps = 2_000;

    /// <summary>Pairs of keys the search may compare in all, so planning stays well under a second whatever the keys.</summary>
    private const long MaxComparisons = 20_000_000;

    public static List<KeyId> Order(List<KeyId> longestFirst, Func<string, double> estimate, int workers)
    {
        if (workers <= 1 || longestFirst.Count <= workers || longestFirst.Count > MaxSearchedKeys)
        {
            return longestFirst;
        }

        var seconds = longestFirst.Select(k => estimate(k.Key)).ToArray();
        var slots = Enumerable.Range(0, workers).Select(_ => new List<int>()).ToList();
        var load = new double[workers];
        for (var i = 0; i < longestFirst.Count; i++)
        {
            var least = 0;
            for (var w = 1; w < workers; w++)
            {
                least = load[w] < load[least] ? w : least;
            }

            slots[least].Add(i);
            load[least] += seconds[i];
        }

        var budget = MaxComparisons;
        for (var step = 0; step < MaxSteps && Improve(slots, load, seconds, ref budget); step++)
        {
        }

        var starts = new List<(double Start, int Key)>(longestFirst.Count);
        foreach (var slot in slots)
        {
            var at = 0.0;
            foreach (var i in slot.OrderByDescending(i => seconds[i]).ThenBy(i => i))
            {
                starts.Add((at, i));
                at += seconds[i];
            }
        }

        return [.. starts.OrderBy(s => s.Start).ThenBy(s => s.Key).Select(s => longestFirst[s.Key])];
    }

    /// <summary>One move or swap that leaves both workers it touches below the busiest one's load; false when there is none.</summary>
    private static bool Improve(List<List<int>> slots, double[] load, double[] seconds, ref long budget)
    {
        var busiest = Array.IndexOf(load, load.Max());
        var top = load[busiest];
        foreach (var x in slots[busiest])
        {
            for (var j = 0; j < slots.Count; j++)
            {
                if (j == busiest)
                {
                    continue;
                }

                if (load[j] + seconds[x] < top - 1e-9)
                {
                    Move(slots, load, seconds, busiest, j, x);
                    return true;
                }

                budget -= slots[j].Count + 1;
                if (budget < 0)
                {
                    return false;
                }

                foreach (var y in slots[j])
                {
                    if (seconds[y] < seconds[x] - 1e-9 && load[j] - seconds[y] + seconds[x] < top - 1e-9)
                    {
                        Move(slots, load, seconds, busiest, j, x);
                        Move(slots, load, seconds, j, busiest, y);
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static void Move(List<List<int>> slots, double[] load, double[] seconds, int from, int to, int key)
    {
        slots[from].Remove(key);
        slots[to].Add(key);
        load[from] -= seconds[key];
        load[to] += seconds[key];
    }
}

using System.Globalization;
using System.Text;
using Kubetest.Model;
using Kubetest.Planning;

namespace Kubetest.Benchmarks;

/// <summary>
/// <c>simulate</c>: makespans of the scheduling policies on a virtual clock (<see cref="ScheduleSimulator"/>,
/// which runs the real planner; nothing sleeps, no process starts), on seeded synthetic workloads and
/// on a measured duration table of a real suite (<c>bench/data/cpython-tests.csv</c>). Deterministic:
/// the same build prints the same table. Prints a markdown table, as recorded in docs/benchmarks.md.
/// </summary>
public static class SimulateBench
{
    /// <summary>Spread of the noisy timings: each known duration is the true one times exp(σ·N(0, 1)).</summary>
    private const double NoiseSigma = 0.3;

    private static readonly (string Label, Scheduler Scheduler)[] Limits =
    [
        ("3 × 4", new Scheduler(3, 0, 4)),
        ("10 × 2", new Scheduler(10, 0, 2)),
    ];

    private static readonly (string Name, Func<SimulationCase, SimulationCase> Prepare, SchedulePolicy Policy)[] Policies =
    [
        ("original", c => c with { Known = null }, ScheduleSimulator.Original),
        ("static", c => c with { Known = null }, ScheduleSimulator.Static),
        ("static + timings", c => c with { Known = c.Actual }, ScheduleSimulator.Static),
        ("static + noisy timings", c => c, ScheduleSimulator.Static),
        ("queue", c => c with { Known = null }, ScheduleSimulator.Queue),
        ("queue + timings", c => c with { Known = c.Actual }, ScheduleSimulator.Queue),
        ("queue + noisy timings", c => c, ScheduleSimulator.Queue),
        ("reference: best found", c => c, new SchedulePolicy("best found", BestFound)),
    ];

    /// <summary>How many seeds of each synthetic workload the robustness table takes its worst ratios over.</summary>
    private const int Seeds = 20;

    public static void Run()
    {
        Console.WriteLine($"simulate: makespan on a virtual clock (start-up excluded), ratio to max(total/slots, longest); noisy timings = true × exp({NoiseSigma}·N(0,1))");
        Console.WriteLine();
        Console.WriteLine("Seed 0 of each synthetic workload:");
        Console.WriteLine();
        Console.Write(Table(Cases(0).ToList(), Cell, $"| workload | keys | pods × slots | lower bound | {string.Join(" | ", Policies.Select(p => p.Name))} |"));
        Console.WriteLine();
        Console.WriteLine($"Worst ratio to the lower bound over seeds 0–{Seeds - 1} of each synthetic workload (the measured table has one):");
        Console.WriteLine();
        var all = Enumerable.Range(0, Seeds).SelectMany(seed => Cases(seed).Where(c => seed == 0 || !c.Measured)).ToList();
        Console.Write(Table(all, null, $"| workload | keys | pods × slots | runs | {string.Join(" | ", Policies.Select(p => p.Name))} |"));
        Console.WriteLine();
        Console.WriteLine($"`queue` without timings in any order (ratio to the lower bound over {OrdersPerSeed} seeded random orders of each seed's keys):");
        Console.WriteLine();
        Console.Write(BlindOrders(all));
    }

    /// <summary>How many random orders of each case's keys <see cref="BlindOrders"/> tries.</summary>
    private const int OrdersPerSeed = 50;

    /// <summary>The ratio the blind-order target asks every workload to stay within.</summary>
    private const double BlindTarget = 1.3;

    /// <summary>
    /// What any order chosen without knowing durations can reach: the synthetic workloads draw their keys'
    /// durations independently (the giant's place too), so every order fixed before the durations are known,
    /// manifest order or any other, is as good as a random order of the same keys. Per workload and limits:
    /// the queue's makespan (no timings) over random orders of each seed's keys, the median, 95th percentile and
    /// worst ratio, the share of orders above <see cref="BlindTarget"/>, and from it the chance that all 20 seeds
    /// of the workload stay within it (each seed's orders give its own share; the chance is their product).
    /// </summary>
    private static string BlindOrders(List<(string Workload, string Limit, bool Measured, int Seed, SimulationCase Case)> cases)
    {
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| workload | keys | pods × slots | orders | median | 95th percentile | worst | orders above {BlindTarget:F1}× | chance every seed stays within {BlindTarget:F1}× |");
        table.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var group in cases.GroupBy(c => (c.Workload, c.Case.Keys.Count, c.Limit)))
        {
            var ratios = new List<double>();
            var allWithin = 1.0;
            foreach (var (_, _, _, seed, run) in group)
            {
                var bound = ScheduleSimulator.LowerBound(run);
                var random = new Random(1_000 + seed);
                var above = 0;
                for (var order = 0; order < OrdersPerSeed; order++)
                {
                    var keys = run.Keys.ToArray();
                    random.Shuffle(keys);
                    var ratio = ScheduleSimulator.QueueMakespan(run with { Keys = keys, Known = null }) / bound;
                    ratios.Add(ratio);
                    above += ratio > BlindTarget + 1e-9 ? 1 : 0;
                }

                allWithin *= 1 - ((double)above / OrdersPerSeed);
            }

            ratios.Sort();
            double Percentile(double p) => ratios[Math.Min(ratios.Count - 1, (int)Math.Ceiling(p * ratios.Count) - 1)];
            var share = (double)ratios.Count(r => r > BlindTarget + 1e-9) / ratios.Count;
            table.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key.Workload} | {group.Key.Count} | {group.Key.Limit} | {ratios.Count} | {Percentile(0.5):F3}× | {Percentile(0.95):F3}× | {ratios[^1]:F3}× | {share:P1} | {(group.Count() == 1 ? "(one case)" : allWithin.ToString("P1", CultureInfo.InvariantCulture))} |");
        }

        return table.ToString();
    }

    private static IEnumerable<(string Workload, string Limit, bool Measured, int Seed, SimulationCase Case)> Cases(int seed)
    {
        foreach (var (name, keys, actual) in Workloads(seed))
        {
            var known = Noisy(actual, new Random(7 + seed));
            foreach (var (label, scheduler) in Limits)
            {
                yield return (name, label, name.StartsWith("CPython", StringComparison.Ordinal), seed, new SimulationCase(keys, scheduler, actual, known));
            }
        }
    }

    /// <summary>
    /// One row per case (<paramref name="cell"/> given: makespan and ratio) or per workload and limit
    /// (<paramref name="cell"/> null: the worst ratio of its cases), then the worst ratio of each
    /// policy and how many cases it lost to the original's policy.
    /// </summary>
    private static string Table(List<(string Workload, string Limit, bool Measured, int Seed, SimulationCase Case)> cases, Func<double, double, string>? cell, string header)
    {
        var table = new StringBuilder();
        table.AppendLine(header);
        table.AppendLine($"|---|---:|---|---:|{string.Concat(Policies.Select(_ => "---:|"))}");
        var ratios = Policies.Select(_ => new List<double>()).ToList();
        var worseThanOriginal = new int[Policies.Length];
        var losses = new List<string>();
        foreach (var group in cases.GroupBy(c => (c.Workload, c.Case.Keys.Count, c.Limit)))
        {
            var rowRatios = Policies.Select(_ => new List<double>()).ToList();
            foreach (var (_, _, _, seed, run) in group)
            {
                var bound = ScheduleSimulator.LowerBound(run);
                var spans = Policies.Select(p => p.Policy.Makespan(p.Prepare(run))).ToList();
                for (var i = 0; i < spans.Count; i++)
                {
                    rowRatios[i].Add(spans[i] / bound);
                    ratios[i].Add(spans[i] / bound);
                    if (spans[i] > spans[0] + 1e-9)
                    {
                        worseThanOriginal[i]++;
                        losses.Add(string.Create(CultureInfo.InvariantCulture, $"- {Policies[i].Name}: {group.Key.Workload}, {run.Keys.Count} keys, {group.Key.Limit}, seed {seed}: {spans[i]:F2} s against the original's {spans[0]:F2} s (bound {bound:F2} s)"));
                    }
                }

                if (cell is not null)
                {
                    table.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key.Workload} | {run.Keys.Count} | {group.Key.Limit} | {bound:F1} s | {string.Join(" | ", spans.Select(s => cell(s, bound)))} |");
                }
            }

            if (cell is null)
            {
                table.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key.Workload} | {group.Key.Count} | {group.Key.Limit} | {group.Count()} | {string.Join(" | ", rowRatios.Select(r => $"{r.Max():F3}×"))} |");
            }
        }

        table.AppendLine(CultureInfo.InvariantCulture, $"| **worst ratio** | | | | {string.Join(" | ", ratios.Select(r => $"**{r.Max():F3}×**"))} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| cases worse than original | | | {cases.Count} | {string.Join(" | ", worseThanOriginal.Select(n => n.ToString(CultureInfo.InvariantCulture)))} |");
        if (cell is null && losses.Count > 0)
        {
            table.AppendLine().AppendLine("Cases a policy lost to the original's:").AppendLine();
            losses.ForEach(line => table.AppendLine(line));
        }

        return table.ToString();
    }

    /// <summary>
    /// Not a policy but a yardstick for the bound: the best makespan found knowing every true duration
    /// and ignoring pods (any key on any of the slots): longest-first onto the least-loaded slot, then
    /// moves and swaps out of the busiest slot while they shorten it. An upper bound of the optimum, so
    /// where it stays above 1.05× of the lower bound, no policy can reach 1.05× on that case.
    /// </summary>
    private static double BestFound(SimulationCase run)
    {
        var slots = Enumerable.Range(0, ScheduleSimulator.Slots(run.Keys, run.Scheduler)).Select(_ => new List<double>()).ToList();
        var load = new double[slots.Count];
        foreach (var seconds in run.Keys.Select(k => run.Actual[k]).OrderDescending())
        {
            var least = Array.IndexOf(load, load.Min());
            slots[least].Add(seconds);
            load[least] += seconds;
        }

        for (var step = 0; step < 10_000 && Improve(slots, load); step++)
        {
        }

        return load.Max();
    }

    /// <summary>One move or swap that leaves both slots it touches below the busiest slot's load; false when none does.</summary>
    private static bool Improve(List<List<double>> slots, double[] load)
    {
        var busiest = Array.IndexOf(load, load.Max());
        var top = load[busiest];
        foreach (var x in slots[busiest].Distinct())
        {
            for (var j = 0; j < slots.Count; j++)
            {
                if (j == busiest)
                {
                    continue;
                }

                if (load[j] + x < top - 1e-9)
                {
                    Swap(slots, load, busiest, j, x, null);
                    return true;
                }

                foreach (var y in slots[j].Where(y => y < x - 1e-9).Distinct())
                {
                    if (load[j] - y + x < top - 1e-9)
                    {
                        Swap(slots, load, busiest, j, x, y);
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static void Swap(List<List<double>> slots, double[] load, int from, int to, double x, double? y)
    {
        slots[from].Remove(x);
        slots[to].Add(x);
        load[from] -= x;
        load[to] += x;
        if (y is { } back)
        {
            slots[to].Remove(back);
            slots[from].Add(back);
            load[to] -= back;
            load[from] += back;
        }
    }

    private static string Cell(double span, double bound) => string.Create(CultureInfo.InvariantCulture, $"{span:F1} s ({span / bound:F2}×)");

    /// <summary>The workloads, each with its keys in manifest order and their true durations.</summary>
    private static IEnumerable<(string Name, IReadOnlyList<string> Keys, IReadOnlyDictionary<string, double> Actual)> Workloads(int seed)
    {
        foreach (var size in new[] { 60, 500 })
        {
            yield return Synthetic("uniform 1–10 s", size, r => 1 + (9 * r.NextDouble()), 1, seed);
            yield return Synthetic("log-normal σ=1 (median 2 s)", size, r => 2 * Math.Exp(Normal(r)), 2, seed);
            yield return Synthetic("log-normal σ=2 (median 2 s)", size, r => 2 * Math.Exp(2 * Normal(r)), 3, seed);
            yield return Giant(size, seed);
            yield return Synthetic("tiny 0.05–0.2 s (10× the keys)", size * 10, r => 0.05 + (0.15 * r.NextDouble()), 5, seed);
        }

        yield return CPython();
    }

    private static (string, IReadOnlyList<string>, IReadOnlyDictionary<string, double>) Synthetic(string name, int size, Func<Random, double> draw, int kind, int seed)
    {
        var random = new Random((seed * 100_000) + (kind * 10_000) + size);
        var actual = Enumerable.Range(0, size).ToDictionary(i => $"k{i}", _ => draw(random));
        return (name, actual.Keys.ToList(), actual);
    }

    /// <summary>Keys of 1–3 s and, at a seeded place among them, one key as long as a fifth of all the others together.</summary>
    private static (string, IReadOnlyList<string>, IReadOnlyDictionary<string, double>) Giant(int size, int seed)
    {
        var random = new Random((seed * 100_000) + 40_000 + size);
        var actual = Enumerable.Range(0, size).ToDictionary(i => $"k{i}", _ => 1 + (2 * random.NextDouble()));
        var giant = $"k{random.Next(size)}";
        actual[giant] = 0;
        actual[giant] = actual.Values.Sum() / 5;
        return ("one giant (⅕ of the rest) among 1–3 s", actual.Keys.ToList(), actual);
    }

    /// <summary>
    /// The measured table (bench/scripts/measure-python-tests.sh): modules of this machine's CPython
    /// regression suite in <c>--list-tests</c> order, with their serial wall time; timed-out modules are left out.
    /// </summary>
    private static (string, IReadOnlyList<string>, IReadOnlyDictionary<string, double>) CPython()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "data", "cpython-tests.csv");
        var actual = new Dictionary<string, double>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var fields = line.Split(',');
            if (fields.Length == 3 && fields[2] != "timeout")
            {
                actual[fields[0]] = double.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        return ("CPython `python3 -m test` modules (measured)", actual.Keys.ToList(), actual);
    }

    private static Dictionary<string, double> Noisy(IReadOnlyDictionary<string, double> actual, Random random) =>
        actual.ToDictionary(p => p.Key, p => p.Value * Math.Exp(NoiseSigma * Normal(random)));

    /// <summary>A standard normal draw (Box–Muller).</summary>
    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

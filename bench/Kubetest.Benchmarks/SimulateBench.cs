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
        ("queue model", c => c with { Known = null }, ScheduleSimulator.QueueModel),
        ("queue model + timings", c => c with { Known = c.Actual }, ScheduleSimulator.QueueModel),
    ];

    public static void Run()
    {
        var rows = new List<(string Workload, string Limit, SimulationCase Case)>();
        foreach (var (name, keys, actual) in Workloads())
        {
            var known = Noisy(actual, new Random(7));
            foreach (var (label, scheduler) in Limits)
            {
                rows.Add((name, label, new SimulationCase(keys, scheduler, actual, known)));
            }
        }

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| workload | keys | pods × slots | lower bound | {string.Join(" | ", Policies.Select(p => p.Name))} |");
        table.AppendLine($"|---|---:|---|---:|{string.Concat(Policies.Select(_ => "---:|"))}");
        var ratios = Policies.Select(_ => new List<double>()).ToList();
        var worseThanOriginal = new int[Policies.Length];
        foreach (var (workload, limit, run) in rows)
        {
            var bound = ScheduleSimulator.LowerBound(run);
            var spans = Policies.Select(p => p.Policy.Makespan(p.Prepare(run))).ToList();
            for (var i = 0; i < spans.Count; i++)
            {
                ratios[i].Add(spans[i] / bound);
                worseThanOriginal[i] += spans[i] > spans[0] + 1e-9 ? 1 : 0;
            }

            table.AppendLine(CultureInfo.InvariantCulture, $"| {workload} | {run.Keys.Count} | {limit} | {bound:F1} s | {string.Join(" | ", spans.Select(s => Cell(s, bound)))} |");
        }

        table.AppendLine(CultureInfo.InvariantCulture, $"| **worst ratio** | | | | {string.Join(" | ", ratios.Select(r => $"**{r.Max():F3}×**"))} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| rows worse than original | | | | {string.Join(" | ", worseThanOriginal.Select(n => n.ToString(CultureInfo.InvariantCulture)))} |");
        Console.WriteLine($"simulate: makespan on a virtual clock (start-up excluded), ratio to max(total/slots, longest); noisy timings = true × exp({NoiseSigma}·N(0,1)), seed 7");
        Console.WriteLine();
        Console.Write(table.ToString());
    }

    private static string Cell(double span, double bound) => string.Create(CultureInfo.InvariantCulture, $"{span:F1} s ({span / bound:F2}×)");

    /// <summary>The workloads, each with its keys in manifest order and their true durations.</summary>
    private static IEnumerable<(string Name, IReadOnlyList<string> Keys, IReadOnlyDictionary<string, double> Actual)> Workloads()
    {
        foreach (var size in new[] { 60, 500 })
        {
            yield return Synthetic("uniform 1–10 s", size, r => 1 + (9 * r.NextDouble()), 1);
            yield return Synthetic("log-normal σ=1 (median 2 s)", size, r => 2 * Math.Exp(Normal(r)), 2);
            yield return Synthetic("log-normal σ=2 (median 2 s)", size, r => 2 * Math.Exp(2 * Normal(r)), 3);
            yield return Giant(size);
            yield return Synthetic("tiny 0.05–0.2 s (10× the keys)", size * 10, r => 0.05 + (0.15 * r.NextDouble()), 5);
        }

        yield return CPython();
    }

    private static (string, IReadOnlyList<string>, IReadOnlyDictionary<string, double>) Synthetic(string name, int size, Func<Random, double> draw, int seed)
    {
        var random = new Random(seed * 1000 + size);
        var actual = Enumerable.Range(0, size).ToDictionary(i => $"k{i}", _ => draw(random));
        return (name, actual.Keys.ToList(), actual);
    }

    /// <summary>Keys of 1–3 s and, at a seeded place among them, one key as long as a fifth of all the others together.</summary>
    private static (string, IReadOnlyList<string>, IReadOnlyDictionary<string, double>) Giant(int size)
    {
        var random = new Random(4000 + size);
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

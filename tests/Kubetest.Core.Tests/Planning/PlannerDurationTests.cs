using CsCheck;
using Kubetest.Model;
using Kubetest.Planning;

namespace Kubetest.Core.Tests.Planning;

/// <summary>With past durations the plan starts the longest keys first and balances pods by load.</summary>
public class PlannerDurationTests
{
    private static readonly Gen<(List<string> Keys, Dictionary<string, double> Durations, Scheduler Scheduler)> Cases =
        Gen.Select(
            Gen.Int[0, 60].Select(i => $"k{i}").List[1, 200],
            Gen.Int[0, 60].Select(Gen.Double[0, 100], (i, d) => ($"k{i}", d)).List[1, 60],
            Gen.OneOf(Gen.Int[1, 40].Select(m => new Scheduler(0, m, 0)), Gen.Int[1, 20].Select(p => new Scheduler(p, 0, 3))),
            (keys, durations, scheduler) => (keys, durations.GroupBy(d => d.Item1).ToDictionary(g => g.Key, g => g.First().Item2), scheduler));

    [Fact]
    public void Every_key_is_still_planned_once_within_the_limits_and_no_pod_is_empty()
    {
        Cases.Sample(c =>
        {
            var plain = Planner.Plan(c.Keys, c.Scheduler);
            var pods = Planner.Plan(c.Keys, c.Scheduler, c.Durations);

            Assert.Equal(Enumerable.Range(0, c.Keys.Count), pods.SelectMany(p => p.Keys).Select(k => k.Index).Order());
            Assert.Equal(plain.Count, pods.Count);
            Assert.All(pods, p => Assert.NotEmpty(p.Keys));
            Assert.All(pods, p => Assert.InRange(p.Keys.Count, 1, (c.Keys.Count + pods.Count - 1) / pods.Count));
            Assert.All(pods, p => Assert.Equal(Enumerable.Range(0, p.Keys.Count), p.Keys.Select(k => k.ContainerIndex)));
        });
    }

    [Fact]
    public void Within_a_pod_keys_start_longest_first()
    {
        Cases.Sample(c =>
        {
            // A key without a past time counts as the median of the planned keys that have one.
            var known = c.Keys.Where(c.Durations.ContainsKey).Select(k => c.Durations[k]).ToList();
            var fallback = Planner.Median(known.Count > 0 ? known : c.Durations.Values);
            foreach (var pod in Planner.Plan(c.Keys, c.Scheduler, c.Durations))
            {
                var estimates = pod.Keys.Select(k => c.Durations.TryGetValue(k.Key, out var d) ? d : fallback).ToList();
                Assert.Equal(estimates.OrderDescending(), estimates);
            }
        });
    }

    [Fact]
    public void The_longest_keys_go_to_different_pods()
    {
        var keys = new[] { "a", "b", "long-1", "c", "d", "long-2" };
        var durations = new Dictionary<string, double> { ["long-1"] = 60, ["long-2"] = 50, ["a"] = 1, ["b"] = 1, ["c"] = 1, ["d"] = 1 };

        var pods = Planner.Plan(keys, new Scheduler(2, 0, 0), durations);

        Assert.Equal("long-1", pods[0].Keys[0].Key);
        Assert.Equal("long-2", pods[1].Keys[0].Key);
        Assert.Equal(3, pods[0].Keys.Count);
        Assert.Equal(3, pods[1].Keys.Count);
    }

    [Fact]
    public void Keys_without_a_past_duration_count_as_the_median_of_the_known_ones()
    {
        // Mean 34, median 2: the new key belongs among the short ones, not before "mid".
        var skewed = new Dictionary<string, double> { ["giant"] = 100, ["mid"] = 3, ["short"] = 2, ["tiny"] = 1 };
        var planned = Assert.Single(Planner.Plan(["tiny", "new", "short", "mid", "giant"], new Scheduler(0, 10, 1), skewed));
        Assert.Equal(["giant", "mid", "new", "short", "tiny"], planned.Keys.Select(k => k.Key));
        Assert.Equal(2.5, Planner.Median([3, 2, 100, 1]));
        Assert.Equal(3, Planner.Median([3, 2, 100]));

        var durations = new Dictionary<string, double> { ["slow"] = 10, ["fast"] = 0 };

        var pod = Assert.Single(Planner.Plan(["fast", "new", "slow"], new Scheduler(0, 10, 1), durations));

        Assert.Equal(["slow", "new", "fast"], pod.Keys.Select(k => k.Key));
    }
}

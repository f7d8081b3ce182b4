using Kubetest.Model;
using Kubetest.Planning;

namespace Kubetest.Core.Tests.Planning;

/// <summary><c>strategy.batch</c> in <c>static</c> mode: each pod's planned keys cut by <see cref="BatchCutter"/>, a container per batch.</summary>
public class StaticBatchesTests
{
    [Fact]
    public void Each_pods_keys_are_cut_in_its_planned_order_with_its_slots_as_workers_and_shrink_towards_its_end()
    {
        var keys = Enumerable.Range(0, 12).Select(i => $"k{i}").ToList();
        var planned = Planner.Plan(keys, new Scheduler(2, 0, 2));

        var pods = StaticBatches.Cut(planned, new Batch(10, null), "KEYS", null);

        // 6 keys a pod, 2 slots: a share of 3 keys, then 3 left (1.5), 2 left (1), 1 left.
        Assert.All(pods, pod => Assert.Equal([3, 1, 1, 1], StaticBatches.Containers(pod).Select(c => c.Count)));
        Assert.Equal(["k0 k2 k4", "k6", "k8", "k10"], StaticBatches.Containers(pods[0]).Select(c => string.Join(" ", c.Select(k => k.Key))));
        Assert.Equal([0, 0, 0, 1, 2, 3], pods[0].Keys.Select(k => k.ContainerIndex));
        Assert.Equal(planned.Select(p => p.Keys.Select(k => (k.Key, k.Index, k.PodIndex))), pods.Select(p => p.Keys.Select(k => (k.Key, k.Index, k.PodIndex))));
        Assert.All(pods, pod => Assert.Equal(2, pod.MaxConcurrent));
    }

    [Fact]
    public void With_timings_the_pods_longest_first_order_is_cut_by_target_seconds()
    {
        var durations = new Dictionary<string, double> { ["big"] = 30, ["a"] = 3, ["b"] = 3, ["c"] = 3, ["d"] = 3, ["e"] = 3, ["f"] = 3, ["g"] = 3, ["h"] = 3 };
        var planned = Planner.Plan([.. durations.Keys.Order(StringComparer.Ordinal)], new Scheduler(1, 0, 2), durations);

        var pod = Assert.Single(StaticBatches.Cut(planned, new Batch(null, 10), "KEYS", durations));

        Assert.Equal(["big", "a b c", "d e", "f", "g", "h"], StaticBatches.Containers(pod).Select(c => string.Join(" ", c.Select(k => k.Key))));
    }

    [Fact]
    public void A_pods_busy_time_runs_a_containers_keys_one_after_the_other_on_one_slot()
    {
        var durations = new Dictionary<string, double> { ["a"] = 1, ["b"] = 1, ["c"] = 2 };
        var pod = new PlannedPod(0, [new("a", 0, 0, 0), new("b", 1, 0, 0), new("c", 2, 0, 1)], 2);

        // [a b] on one slot (2 s), c on the other (2 s); were a and b apart, c would wait for a slot (3 s).
        Assert.Equal(2, Planner.BusyTime(pod, Planner.Estimator(durations)));
    }

    [Fact]
    public void Fewer_batches_than_slots_cap_the_pods_concurrency()
    {
        var pod = Assert.Single(StaticBatches.Cut(Planner.Plan(["a", "b", "c"], new Scheduler(1, 0, 1)), new Batch(3, null), "KEYS", null));

        Assert.Equal((1, 1), (StaticBatches.Containers(pod).Count, pod.MaxConcurrent));
    }

    [Theory]
    [InlineData(1, 37, 3, 2, 4)]
    [InlineData(2, 100, 4, 3, 7)]
    [InlineData(3, 5, 5, 1, 10)]
    [InlineData(4, 64, 2, 8, 1)]
    public void Every_key_stays_in_its_pod_once_and_no_batch_passes_max_keys(int seed, int keyCount, int podNum, int slots, int maxKeys)
    {
        var random = new Random(seed);
        var keys = Enumerable.Range(0, keyCount).Select(i => $"k{i}").ToList();
        var durations = random.Next(2) == 0 ? null : keys.ToDictionary(k => k, _ => random.NextDouble() * 10);
        var planned = Planner.Plan(keys, new Scheduler(podNum, 0, slots), durations);

        var pods = StaticBatches.Cut(planned, new Batch(maxKeys, 5), "KEYS", durations);

        Assert.Equal(Enumerable.Range(0, keyCount), pods.SelectMany(p => p.Keys).Select(k => k.Index).Order());
        for (var p = 0; p < pods.Count; p++)
        {
            Assert.Equal(planned[p].Keys.Select(k => k.Key), pods[p].Keys.Select(k => k.Key));
            var containers = StaticBatches.Containers(pods[p]);
            Assert.Equal(Enumerable.Range(0, containers.Count), containers.Select(c => c[0].ContainerIndex));
            Assert.All(containers, c => Assert.InRange(c.Count, 1, maxKeys));
            Assert.InRange(pods[p].MaxConcurrent, 1, Math.Min(slots, containers.Count));
        }
    }
}

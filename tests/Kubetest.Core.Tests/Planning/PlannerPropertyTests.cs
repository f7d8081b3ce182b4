using CsCheck;
using Kubetest.Model;
using Kubetest.Planning;

namespace Kubetest.Core.Tests.Planning;

/// <summary>Whatever the keys and the limits, the plan schedules every key once and keeps every limit.</summary>
public class PlannerPropertyTests
{
    /// <summary>0..300 keys from a small alphabet, so duplicates are common.</summary>
    private static readonly Gen<List<string>> Keys = Gen.Int[0, 40].Select(i => $"TestKey{i}").List[0, 300];

    /// <summary>maxContainersPerPod, or maxPodNum, or neither; maxConcurrentNumPerPod 0..20 (0 = not set).</summary>
    private static readonly Gen<Scheduler> Schedulers = Gen.Select(
        Gen.OneOf(
            Gen.Int[1, 50].Select(m => (PodNum: 0, PerPod: m)),
            Gen.Int[1, 50].Select(p => (PodNum: p, PerPod: 0)),
            Gen.Const((PodNum: 0, PerPod: 0))),
        Gen.Int[0, 20],
        (limit, concurrent) => new Scheduler(limit.PodNum, limit.PerPod, concurrent));

    private static readonly Gen<(List<string> Keys, Scheduler Scheduler)> Cases = Gen.Select(Keys, Schedulers);

    [Fact]
    public void Every_key_index_is_planned_exactly_once_with_its_own_key()
    {
        Cases.Sample(c =>
        {
            var planned = Planner.Plan(c.Keys, c.Scheduler).SelectMany(p => p.Keys).ToList();

            Assert.Equal(Enumerable.Range(0, c.Keys.Count), planned.Select(k => k.Index).Order());
            Assert.All(planned, k => Assert.Equal(c.Keys[k.Index], k.Key));
        });
    }

    [Fact]
    public void No_pod_holds_more_containers_than_maxContainersPerPod_and_no_more_pods_are_used_than_needed()
    {
        Cases.Where(c => c.Scheduler.MaxContainersPerPod > 0).Sample(c =>
        {
            var pods = Planner.Plan(c.Keys, c.Scheduler);

            Assert.All(pods, p => Assert.InRange(p.Keys.Count, 1, c.Scheduler.MaxContainersPerPod));
            Assert.Equal((c.Keys.Count + c.Scheduler.MaxContainersPerPod - 1) / c.Scheduler.MaxContainersPerPod, pods.Count);
        });
    }

    [Fact]
    public void The_pod_count_never_exceeds_maxPodNum()
    {
        Cases.Where(c => c.Scheduler.MaxPodNum > 0).Sample(c =>
        {
            var pods = Planner.Plan(c.Keys, c.Scheduler);

            Assert.InRange(pods.Count, Math.Min(1, c.Keys.Count), c.Scheduler.MaxPodNum);
            Assert.All(pods, p => Assert.NotEmpty(p.Keys));
        });
    }

    [Fact]
    public void Without_any_limit_all_keys_share_one_pod()
    {
        Cases.Where(c => c.Scheduler.MaxPodNum == 0 && c.Scheduler.MaxContainersPerPod == 0 && c.Keys.Count > 0).Sample(c =>
        {
            var pod = Assert.Single(Planner.Plan(c.Keys, c.Scheduler));

            Assert.Equal(c.Keys.Count, pod.Keys.Count);
        });
    }

    [Fact]
    public void Pods_are_balanced_to_within_one_container()
    {
        Cases.Sample(c =>
        {
            var sizes = Planner.Plan(c.Keys, c.Scheduler).Select(p => p.Keys.Count).ToList();

            if (sizes.Count > 0)
            {
                Assert.InRange(sizes.Max() - sizes.Min(), 0, 1);
            }
        });
    }

    [Fact]
    public void Concurrency_is_at_least_one_and_within_maxConcurrentNumPerPod_and_the_pod_size()
    {
        Cases.Sample(c =>
        {
            foreach (var pod in Planner.Plan(c.Keys, c.Scheduler))
            {
                Assert.InRange(pod.MaxConcurrent, 1, pod.Keys.Count);
                if (c.Scheduler.MaxConcurrentNumPerPod > 0)
                {
                    Assert.True(pod.MaxConcurrent <= c.Scheduler.MaxConcurrentNumPerPod, $"{pod.MaxConcurrent} > {c.Scheduler.MaxConcurrentNumPerPod}");
                }
            }
        });
    }

    [Fact]
    public void Pod_and_container_indexes_count_from_zero_without_gaps()
    {
        Cases.Sample(c =>
        {
            var pods = Planner.Plan(c.Keys, c.Scheduler);

            Assert.Equal(Enumerable.Range(0, pods.Count), pods.Select(p => p.PodIndex));
            foreach (var pod in pods)
            {
                Assert.Equal(Enumerable.Range(0, pod.Keys.Count), pod.Keys.Select(k => k.ContainerIndex));
                Assert.All(pod.Keys, k => Assert.Equal(pod.PodIndex, k.PodIndex));
            }
        });
    }
}

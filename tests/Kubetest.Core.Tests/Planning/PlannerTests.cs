using Kubetest.Model;
using Kubetest.Planning;

namespace Kubetest.Core.Tests.Planning;

/// <summary>The spec's worked examples of the scheduler.</summary>
public class PlannerTests
{
    private static List<string> Keys(int count) => Enumerable.Range(1, count).Select(i => $"TASK_KEY_{i}").ToList();

    [Fact]
    public void Three_keys_with_maxContainersPerPod_10_run_in_one_pod_of_three()
    {
        var pods = Planner.Plan(Keys(3), new Scheduler(0, 10, 10));

        var pod = Assert.Single(pods);
        Assert.Equal(["TASK_KEY_1", "TASK_KEY_2", "TASK_KEY_3"], pod.Keys.Select(k => k.Key));
        Assert.Equal(3, pod.MaxConcurrent);
    }

    [Fact]
    public void Eleven_keys_with_maxContainersPerPod_10_run_in_two_pods_of_six_and_five()
    {
        var pods = Planner.Plan(Keys(11), new Scheduler(0, 10, 10));

        Assert.Equal([6, 5], pods.Select(p => p.Keys.Count));
    }

    [Fact]
    public void Three_keys_with_maxContainersPerPod_1_run_in_three_pods_of_one()
    {
        var pods = Planner.Plan(Keys(3), new Scheduler(0, 1, 10));

        Assert.Equal([1, 1, 1], pods.Select(p => p.Keys.Count));
        Assert.All(pods, p => Assert.Equal(1, p.MaxConcurrent));
    }

    [Fact]
    public void Keys_are_dealt_round_robin_so_that_neighbours_land_on_different_pods()
    {
        var pods = Planner.Plan(Keys(5), new Scheduler(2, 0, 0));

        Assert.Equal(["TASK_KEY_1", "TASK_KEY_3", "TASK_KEY_5"], pods[0].Keys.Select(k => k.Key));
        Assert.Equal(["TASK_KEY_2", "TASK_KEY_4"], pods[1].Keys.Select(k => k.Key));
    }

    [Fact]
    public void Concurrency_is_capped_by_maxConcurrentNumPerPod()
    {
        var pod = Assert.Single(Planner.Plan(Keys(8), new Scheduler(0, 0, 3)));

        Assert.Equal(3, pod.MaxConcurrent);
    }

    [Fact]
    public void No_keys_plan_no_pods()
    {
        Assert.Empty(Planner.Plan([], new Scheduler(0, 10, 10)));
    }

    [Fact]
    public void Duplicate_keys_each_get_their_own_container()
    {
        var pod = Assert.Single(Planner.Plan(["same", "same"], new Scheduler(0, 0, 0)));

        Assert.Equal([0, 1], pod.Keys.Select(k => k.Index));
        Assert.Equal([0, 1], pod.Keys.Select(k => k.ContainerIndex));
    }

    [Fact]
    public void A_retest_keeps_each_failed_key_in_the_pod_and_container_it_had()
    {
        var plan = Planner.Plan(Keys(5), new Scheduler(0, 2, 2));

        var retest = Planner.Retest(plan, new HashSet<int> { 1, 4 });

        var first = plan.SelectMany(p => p.Keys).ToDictionary(k => k.Index);
        var again = retest.SelectMany(p => p.Keys).ToList();
        Assert.Equal([1, 4], again.Select(k => k.Index).Order());
        Assert.All(again, k => Assert.Equal((first[k.Index].PodIndex, first[k.Index].ContainerIndex, first[k.Index].Key), (k.PodIndex, k.ContainerIndex, k.Key)));
        Assert.All(retest, p => Assert.Equal(p.PodIndex, Assert.Single(p.Keys.Select(k => k.PodIndex).Distinct())));
    }
}

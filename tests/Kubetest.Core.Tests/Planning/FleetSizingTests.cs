using Kubetest.Model;
using Kubetest.Planning;

namespace Kubetest.Core.Tests.Planning;

/// <summary><see cref="FleetSizing"/>: the expected makespan by pod count, on cases small enough to work out by hand.</summary>
public class FleetSizingTests
{
    // One key of 30 s and three of 10 s, one slot per pod. 1 pod: 60 s; 2 pods (at most 2 keys each, longest first):
    // long + c = 40 s (a queue's free worker takes a, b and c while long runs: 30 s); 3 pods: long alone = 30 s;
    // 4 pods: 30 s, the longest key.
    private static readonly Dictionary<string, double> Durations = new() { ["long"] = 30, ["a"] = 10, ["b"] = 10, ["c"] = 10 };

    [Theory]
    [InlineData(SchedulerMode.Static)]
    [InlineData(SchedulerMode.Queue)]
    public void The_table_doubles_the_pods_up_to_four_times_the_planned_count_and_marks_the_planned_one(SchedulerMode mode)
    {
        var rows = FleetSizing.Table(Step(mode, planned: 2), planned: 2);

        Assert.Equal([new SizingRow(1, 60, false), new SizingRow(2, mode == SchedulerMode.Static ? 40 : 30, true), new SizingRow(4, 30, false)], rows);
    }

    [Fact]
    public void The_planned_count_is_a_row_even_when_it_is_no_power_of_two_and_no_row_has_more_pods_than_keys()
    {
        var rows = FleetSizing.Table(Step(SchedulerMode.Static, planned: 3), planned: 3);

        Assert.Equal([(1, false), (2, false), (3, true), (4, false)], rows.Select(r => (r.Pods, r.Planned)));
        Assert.Equal(30, rows.Single(r => r.Planned).Makespan);
    }

    [Theory]
    [InlineData(60, 1, 60)]
    [InlineData(59, 2, 40)]
    [InlineData(35, 3, 30)]
    [InlineData(30, 3, 30)]
    public void The_smallest_pod_count_within_the_target_is_found(double target, int pods, double makespan)
    {
        var answer = FleetSizing.Smallest(Step(SchedulerMode.Static, planned: 2), target);

        Assert.Equal(new SizingAnswer(pods, makespan, 30), answer);
    }

    [Fact]
    public void A_target_below_the_longest_key_is_not_reached_with_any_count()
    {
        var answer = FleetSizing.Smallest(Step(SchedulerMode.Static, planned: 2), 29.9);

        Assert.Equal(new SizingAnswer(null, 30, 30), answer);
    }

    [Fact]
    public void Static_batches_are_part_of_the_simulation()
    {
        // Batches of at most 2 keys in one slot per pod: a batch runs its keys one after the other, so the times
        // are the same as unbatched, but the table still comes from the cut plan.
        var step = Step(SchedulerMode.Static, planned: 1) with { Batch = new Batch(2, null) };

        Assert.Equal(60, FleetSizing.Makespan(step, 1));
        Assert.Equal(30, FleetSizing.Makespan(step, 4));
    }

    [Fact]
    public void A_huge_manifest_gets_a_bounded_table()
    {
        var keys = Enumerable.Range(0, 10_000).Select(i => $"k{i}").ToList();
        var step = new KeysStep(null!, null, "K", new Scheduler(5000, 0, 1), keys.ToDictionary(k => k, _ => 1.0), keys, null);

        var rows = FleetSizing.Table(step, planned: 5000);

        Assert.True(rows.Count <= FleetSizing.MaxRows);
        Assert.Equal(FleetSizing.MaxPods, rows.Max(r => r.Pods));
        Assert.DoesNotContain(rows, r => r.Planned);
    }

    private static KeysStep Step(SchedulerMode mode, int planned) =>
        new(null!, null, "K", new Scheduler(planned, 0, 1, mode), Durations, ["long", "a", "b", "c"], null);
}

using CsCheck;
using Kubetest.Model;
using Kubetest.Planning;

namespace Kubetest.Core.Tests.Planning;

/// <summary>The simulation benchmark's arithmetic, on cases small enough to work out by hand.</summary>
public class ScheduleSimulatorTests
{
    // a = 1 s, b = 3 s, c = 1 s in this order; 1 pod × 2 slots.
    private static readonly SimulationCase Wave = new(
        ["a", "b", "c"],
        new Scheduler(0, 0, 2),
        new Dictionary<string, double> { ["a"] = 1, ["b"] = 3, ["c"] = 1 });

    // a = 1 s, b = 1 s, c = 3 s in this order; 1 pod × 2 slots: the long key comes last.
    private static readonly SimulationCase LongLast = new(
        ["a", "b", "c"],
        new Scheduler(0, 0, 2),
        new Dictionary<string, double> { ["a"] = 1, ["b"] = 1, ["c"] = 3 });

    // k1..k5 take 1..5 s; 2 pods (maxPodNum) × 1 slot.
    private static readonly SimulationCase TwoPods = new(
        ["k1", "k2", "k3", "k4", "k5"],
        new Scheduler(2, 0, 1),
        Enumerable.Range(1, 5).ToDictionary(i => $"k{i}", i => (double)i));

    [Fact]
    public void Static_without_timings_lets_a_freed_slot_take_the_next_key()
    {
        // Wave: a [0,1] and b [0,3], c takes a's slot [1,2] → 3. LongLast: a, b [0,1], c [1,4] → 4.
        Assert.Equal(3, ScheduleSimulator.StaticMakespan(Wave));
        Assert.Equal(4, ScheduleSimulator.StaticMakespan(LongLast));

        // Round-robin: pod 0 runs k1, k3, k5 (9 s), pod 1 runs k2, k4 (6 s).
        Assert.Equal(9, ScheduleSimulator.StaticMakespan(TwoPods));
    }

    [Fact]
    public void Static_with_timings_starts_the_longest_key_first()
    {
        // LongLast: c [0,3], a [0,1], b [1,2] → 3.
        Assert.Equal(3, ScheduleSimulator.StaticMakespan(LongLast with { Known = LongLast.Actual }));

        // LPT with at most 3 keys a pod: k5 → pod 0, k4 → pod 1, k3 → pod 1 (4 < 5), k2 → pod 0 (5 < 7), k1 → pod 0 (7 = 7, first) → 8.
        Assert.Equal(8, ScheduleSimulator.StaticMakespan(TwoPods with { Known = TwoPods.Actual }));
    }

    [Fact]
    public void Original_waits_for_each_wave_and_cuts_keys_in_order()
    {
        // Wave: wave {a, b} takes 3 s, then wave {c} 1 s → 4 (the engine's free slot would have taken c at 1 s).
        Assert.Equal(4, ScheduleSimulator.OriginalMakespan(Wave));
        Assert.Equal(4, ScheduleSimulator.OriginalMakespan(LongLast));

        // maxPodNum 2: 5 / 2 = 2 keys for pod 0 (k1, k2: 3 s), the rest for pod 1 (k3, k4, k5: 12 s).
        Assert.Equal(12, ScheduleSimulator.OriginalMakespan(TwoPods));
        Assert.Equal([["k1", "k2"], ["k3", "k4", "k5"]], ScheduleSimulator.OriginalChunks(TwoPods.Keys, TwoPods.Scheduler));

        // maxContainersPerPod 2: chunks {k1, k2}, {k3, k4}, {k5}, one slot each → 3, 7, 5 → 7.
        var byContainers = TwoPods with { Scheduler = new Scheduler(0, 2, 1) };
        Assert.Equal(7, ScheduleSimulator.OriginalMakespan(byContainers));

        // Fewer keys than maxPodNum: one pod per key, so the longest key decides.
        Assert.Equal(3, ScheduleSimulator.OriginalMakespan(Wave with { Scheduler = new Scheduler(5, 0, 2) }));

        // No maxConcurrentNumPerPod: a pod's keys form one wave.
        Assert.Equal(3, ScheduleSimulator.OriginalMakespan(Wave with { Scheduler = new Scheduler(0, 0, 0) }));
    }

    [Fact]
    public void Lower_bound_is_total_over_slots_or_the_longest_key()
    {
        Assert.Equal(3, ScheduleSimulator.LowerBound(Wave)); // max(5 / 2, 3)
        Assert.Equal(7.5, ScheduleSimulator.LowerBound(TwoPods)); // max(15 / 2, 5)
        Assert.Equal(2, ScheduleSimulator.Slots(TwoPods.Keys, TwoPods.Scheduler));
    }

    [Fact]
    public void Queue_mode_shares_every_worker_of_every_pod()
    {
        // TwoPods, in order on 2 shared slots: k1 [0,1], k2 [0,2], k3 [1,4], k4 [2,6], k5 [4,9] → 9.
        Assert.Equal(9, ScheduleSimulator.QueueMakespan(TwoPods));

        // Longest-first: k5 [0,5], k4 [0,4], k3 [4,7], k2 [5,7], k1 [7,8] → 8.
        Assert.Equal(8, ScheduleSimulator.QueueMakespan(TwoPods with { Known = TwoPods.Actual }));
        Assert.Equal(3, ScheduleSimulator.QueueMakespan(LongLast with { Known = LongLast.Actual }));
    }

    [Fact]
    public void Queue_with_timings_replays_a_schedule_better_than_longest_first()
    {
        // 3, 3, 2, 2, 2 s on 2 workers: longest-first ends at 7 (3+2+2 beside 3+2), the best is 6 (3+3 beside 2+2+2).
        var run = new SimulationCase(
            ["a", "b", "c", "d", "e"],
            new Scheduler(0, 0, 2),
            new Dictionary<string, double> { ["a"] = 2, ["b"] = 3, ["c"] = 2, ["d"] = 3, ["e"] = 2 });

        Assert.Equal(7, ScheduleSimulator.StaticMakespan(run with { Known = run.Actual }));
        Assert.Equal(6, ScheduleSimulator.QueueMakespan(run with { Known = run.Actual }));
    }

    [Fact]
    public void No_policy_beats_the_lower_bound_or_takes_longer_than_running_everything_in_turn()
    {
        var cases = Gen.Select(
            Gen.Double[0.01, 100].Array[1, 80],
            Gen.OneOf(Gen.Int[1, 12].Select(p => new Scheduler(p, 0, 3)), Gen.Int[1, 30].Select(m => new Scheduler(0, m, 2)), Gen.Int[0, 4].Select(c => new Scheduler(0, 0, c))),
            Gen.Bool,
            (seconds, scheduler, timed) =>
            {
                var actual = seconds.Select((d, i) => (Key: $"k{i}", d)).ToDictionary(p => p.Key, p => p.d);
                return new SimulationCase(actual.Keys.ToList(), scheduler, actual, timed ? actual : null);
            });

        cases.Sample(run =>
        {
            var bound = ScheduleSimulator.LowerBound(run);
            var serial = run.Actual.Values.Sum();
            foreach (var policy in new[] { ScheduleSimulator.Static, ScheduleSimulator.Original, ScheduleSimulator.Queue })
            {
                Assert.InRange(policy.Makespan(run), bound - 1e-9, serial + 1e-9);
            }
        });
    }

    [Fact]
    public void A_key_without_a_true_duration_is_a_clear_error()
    {
        var missing = Wave with { Actual = new Dictionary<string, double> { ["a"] = 1 } };

        var error = Assert.Throws<ArgumentException>(() => ScheduleSimulator.StaticMakespan(missing));
        Assert.Contains("'b'", error.Message, StringComparison.Ordinal);
    }
}

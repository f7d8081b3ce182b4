using CsCheck;
using Kubetest.Model;
using Kubetest.Planning;

namespace Kubetest.Core.Tests.Planning;

/// <summary>The queue mode's plan: its order holds every key once, its workers are static mode's slots, and its queue hands each key out once.</summary>
public class QueuePlanTests
{
    [Fact]
    public void Every_key_is_in_the_queue_once_with_or_without_timings_and_the_workers_are_static_modes_slots()
    {
        var cases = Gen.Select(
            Gen.Double[0.01, 100].Array[0, 120],
            Gen.OneOf(Gen.Int[1, 12].Select(p => new Scheduler(p, 0, 3)), Gen.Int[1, 30].Select(m => new Scheduler(0, m, 2)), Gen.Int[0, 4].Select(c => new Scheduler(0, 0, c))),
            Gen.Int[0, 2],
            (seconds, scheduler, timings) => (seconds, scheduler, timings));

        cases.Sample(c =>
        {
            var keys = c.seconds.Select((_, i) => $"k{i}").ToList();

            // 0: no timings, 1: all known, 2: half known (the others count as the median).
            var durations = c.timings == 0 ? null : keys.Select((k, i) => (k, i)).Where(p => c.timings == 1 || p.i % 2 == 0).ToDictionary(p => p.k, p => c.seconds[p.i]);
            var plan = QueuePlan.Build(keys, c.scheduler with { Mode = SchedulerMode.Queue }, durations);

            Assert.Equal(Enumerable.Range(0, keys.Count), plan.Order.Select(k => k.Index).Order());
            Assert.All(plan.Order, k => Assert.Equal(keys[k.Index], k.Key));
            Assert.Equal(Planner.Plan(keys, c.scheduler).Select(p => p.MaxConcurrent), plan.Workers);
            if (durations is null)
            {
                Assert.Equal(keys, plan.Order.Select(k => k.Key));
            }
        });
    }

    [Fact]
    public async Task The_queue_hands_each_key_to_exactly_one_of_many_workers_taking_at_once()
    {
        var order = Enumerable.Range(0, 10_000).Select(i => new KeyId($"k{i}", i)).ToList();
        var queue = new KeyQueue(order);
        var taken = new System.Collections.Concurrent.ConcurrentBag<int>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            while (queue.TryTake(out var key))
            {
                taken.Add(key.Index);
            }
        })));

        Assert.Equal(Enumerable.Range(0, 10_000), taken.Order());
        Assert.Equal(0, queue.Remaining);
        Assert.Empty(queue.Untaken());
    }

    [Fact]
    public void Keys_not_taken_are_the_rest_of_the_queue_in_order()
    {
        var queue = new KeyQueue([new("a", 0), new("b", 1), new("c", 2)]);

        Assert.True(queue.TryTake(out var first));

        Assert.Equal("a", first.Key);
        Assert.Equal(2, queue.Remaining);
        Assert.Equal(["b", "c"], queue.Untaken().Select(k => k.Key));
    }

    [Fact]
    public void With_batches_and_timings_only_the_long_keys_go_first_and_the_rest_keep_their_listing_order()
    {
        // a.py's and c.py's slow tests are over 5 % of a worker's share (149.4 s of work, 2 workers: 3.7 s); b.py::mid (3 s) is not.
        var durations = new Dictionary<string, double> { ["a.py::slow"] = 30, ["b.py::mid"] = 3, ["c.py::slow"] = 20 };
        var keys = new List<string> { "a.py::t0", "a.py::slow", "a.py::t1", "b.py::t0", "b.py::mid", "b.py::t1", "c.py::slow" };
        foreach (var key in keys.Where(k => !durations.ContainsKey(k)))
        {
            durations[key] = 0.1;
        }

        keys.AddRange(Enumerable.Range(0, 40).Select(i => $"d.py::t{i}"));
        foreach (var key in keys.Where(k => k.StartsWith("d.py", StringComparison.Ordinal)))
        {
            durations[key] = 2.4;
        }

        var scheduler = new Scheduler(1, 0, 2, SchedulerMode.Queue);
        var batched = QueuePlan.Build(keys, scheduler, durations, batched: true).Order.Select(k => k.Key).ToList();
        var alone = QueuePlan.Build(keys, scheduler, durations).Order.Select(k => k.Key).ToList();

        Assert.Equal(["a.py::slow", "c.py::slow", "a.py::t0", "a.py::t1", "b.py::t0", "b.py::mid", "b.py::t1", .. keys.Skip(7)], batched);

        // Without batches a key runs alone whatever its neighbours, and the order stays by duration.
        Assert.Equal(["a.py::slow", "c.py::slow", "b.py::mid"], alone.Take(3));
    }

    [Fact]
    public void With_batches_every_key_is_in_the_queue_once_and_the_short_ones_in_listing_order()
    {
        Gen.Select(Gen.Double[0.01, 100].Array[1, 200], Gen.Int[1, 16]).Sample((seconds, slots) =>
        {
            var keys = seconds.Select((_, i) => $"k{i}").ToList();
            var durations = keys.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => seconds[p.i]);
            var plan = QueuePlan.Build(keys, new Scheduler(1, 0, slots, SchedulerMode.Queue), durations, batched: true);
            var order = plan.Order;
            var threshold = seconds.Sum() / plan.WorkerCount * BatchedQueueOrder.LongKeyShare;

            Assert.Equal(Enumerable.Range(0, keys.Count), order.Select(k => k.Index).Order());
            var longCount = seconds.Count(s => s > threshold);
            Assert.All(order.Take(longCount), k => Assert.True(seconds[k.Index] > threshold));
            Assert.Equal(order.Skip(longCount).Select(k => k.Index).Order(), order.Skip(longCount).Select(k => k.Index));
        });
    }
}

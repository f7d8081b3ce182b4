using Kubetest.Model;
using Kubetest.Planning;

namespace Kubetest.Core.Tests.Planning;

/// <summary>How <see cref="BatchCutter"/> cuts batches from a queue's order: limits, durations, the shrinking tail.</summary>
public class BatchCutterTests
{
    [Fact]
    public void Without_durations_batches_hold_max_keys_until_the_tail_share_shrinks_them()
    {
        // 40 keys, 4 workers: a batch holds at most remaining / 4 keys (10, 8, 6, 4.5, 3.5, 2.75, …) and at most 8.
        var sizes = Sizes(Keys(40), new Batch(8, null), workers: 4, durations: null);

        Assert.Equal(40, sizes.Sum());
        Assert.Equal([8, 8, 6, 4, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1], sizes);
    }

    [Fact]
    public void With_durations_a_batch_stays_within_target_seconds_and_a_longer_key_is_a_batch_of_its_own()
    {
        var durations = new Dictionary<string, double> { ["big"] = 50, ["a"] = 4, ["b"] = 4, ["c"] = 4, ["d"] = 4, ["e"] = 4, ["f"] = 4 };
        var order = durations.Keys.Select((k, i) => new KeyId(k, i)).ToList();

        var batches = new BatchCutter(order, new Batch(null, 10), "KEYS", 2, durations).All();

        // 2 workers. After big, 24 s are left (share 12): a + b fit 10 s, c would not; then 16 s (share 8): c + d; then 8 s (share 4): one each.
        Assert.Equal(["big", "a b", "c d", "e", "f"], batches.Select(b => string.Join(" ", b.Select(k => k.Key))));
    }

    [Fact]
    public void One_worker_runs_six_keys_with_max_keys_3_as_two_batches()
    {
        Assert.Equal([3, 3], Sizes(Keys(6), new Batch(3, null), workers: 1, durations: null));
    }

    [Fact]
    public void Only_target_seconds_and_nothing_known_runs_one_key_per_batch()
    {
        Assert.All(Sizes(Keys(10), new Batch(null, 30), workers: 1, durations: null), s => Assert.Equal(1, s));
    }

    [Fact]
    public void Keys_without_a_duration_count_as_the_median_of_the_known_ones()
    {
        var durations = new Dictionary<string, double> { ["k0"] = 2, ["k1"] = 2, ["k2"] = 2 };

        // 20 keys × 2 s, 2 workers, target 6 s: 3 keys per batch until the fair share (remaining / 2) is below 6 s.
        var sizes = Sizes(Keys(20), new Batch(null, 6), workers: 2, durations);

        Assert.Equal(20, sizes.Sum());
        Assert.Equal(3, sizes[0]);
        Assert.Equal(1, sizes[^1]);
        Assert.True(sizes.Zip(sizes.Skip(1)).All(p => p.First >= p.Second), string.Join(",", sizes));
    }

    [Fact]
    public void No_batch_takes_more_than_a_workers_share_of_the_work_left_unless_it_is_one_key()
    {
        var random = new Random(7);
        var durations = Enumerable.Range(0, 200).ToDictionary(i => $"k{i}", _ => Math.Exp(random.NextDouble() * 4));
        var order = durations.Keys.Select((k, i) => new KeyId(k, i)).ToList();
        var cutter = new BatchCutter(order, new Batch(50, 100), "KEYS", 3, durations);

        var left = durations.Values.Sum();
        foreach (var batch in cutter.All())
        {
            var work = batch.Sum(k => durations[k.Key]);
            Assert.True(batch.Count == 1 || (work <= left / 3 + 1e-9 && work <= 100 && batch.Count <= 50), $"{batch.Count} keys, {work} s of {left} s left");
            left -= work;
        }
    }

    private static List<KeyId> Keys(int count) => [.. Enumerable.Range(0, count).Select(i => new KeyId($"k{i}", i))];

    [Fact]
    public void A_batch_stops_before_its_variable_passes_120_KiB_counting_UTF8_bytes_not_characters()
    {
        // "KEYS=" and the NUL are 6 bytes; a key 3000 bytes and a space 1: 40 keys take 120,045 bytes, 41 would take 123,046.
        var ascii = Sizes(Keys(100, new string('a', 3000)), new Batch(10_000, null), workers: 1, durations: null);
        var euro = Sizes(Keys(100, new string('€', 1000)), new Batch(10_000, null), workers: 1, durations: null);

        Assert.Equal([40, 40, 20], ascii);
        Assert.Equal(ascii, euro);
    }

    [Fact]
    public void The_delimiters_bytes_count_too()
    {
        // Keys of 2000 bytes: joined by one byte, 61 fit (122,066 bytes with "KEYS=" and the NUL); by 1000 bytes, 41 (122,006 bytes).
        Assert.Equal([61, 39], Sizes(Keys(100, new string('k', 2000)), new Batch(10_000, null, " "), workers: 1, durations: null));
        Assert.Equal([41, 41, 18], Sizes(Keys(100, new string('k', 2000)), new Batch(10_000, null, new string('-', 1000)), workers: 1, durations: null));
    }

    [Fact]
    public void A_variable_of_exactly_120_KiB_is_one_batch_and_one_byte_more_is_two()
    {
        // 3 + 61,438 + 1 + 61,438 = 122,880 bytes.
        var exact = new[] { new KeyId(new string('x', 61_438), 0), new KeyId(new string('y', 61_438), 1) };
        var over = new[] { exact[0], new KeyId(new string('y', 61_439), 1) };

        var fits = new BatchCutter(exact, new Batch(10, null), "K", 1, null);
        var cut = new BatchCutter(over, new Batch(10, null), "K", 1, null);

        Assert.Equal(BatchCutter.MaxVariableBytes, BatchCutter.VariableBytes("K", exact.Select(k => k.Key), " "));
        Assert.Equal([2], fits.All().Select(b => b.Count));
        Assert.False(fits.AnyCutByBytes());
        Assert.Equal([1, 1], cut.All().Select(b => b.Count));
        Assert.True(cut.AnyCutByBytes());
    }

    [Fact]
    public void A_key_longer_than_the_bound_is_a_batch_of_its_own_and_the_others_are_batched_around_it()
    {
        var order = new[] { new KeyId("a", 0), new KeyId(new string('h', 130_000), 1), new KeyId("b", 2), new KeyId("c", 3) };

        var batches = new BatchCutter(order, new Batch(10, null), "K", 1, null).All();

        Assert.Equal([1, 1, 2], batches.Select(b => b.Count));
        Assert.Equal(["b", "c"], batches[2].Select(k => k.Key));
    }

    [Fact]
    public void Static_batches_are_cut_by_the_same_byte_bound_per_pod()
    {
        var keys = Enumerable.Range(0, 100).Select(i => $"{i:D3}{new string('s', 2997)}").ToList();
        var planned = Planner.Plan(keys, new Scheduler(1, 0, 1));

        var pod = Assert.Single(StaticBatches.Cut(planned, new Batch(10_000, null), "K", null));

        Assert.Equal([40, 40, 20], StaticBatches.Containers(pod).Select(c => c.Count));
        Assert.All(StaticBatches.Containers(pod), c => Assert.True(BatchCutter.VariableBytes("K", c.Select(k => k.Key), " ") <= BatchCutter.MaxVariableBytes));
    }

    private static List<KeyId> Keys(int count, string body) =>
        [.. Enumerable.Range(0, count).Select(i => new KeyId(body, i))];

    private static List<int> Sizes(List<KeyId> order, Batch batch, int workers, IReadOnlyDictionary<string, double>? durations) =>
        [.. new BatchCutter(order, batch, "KEYS", workers, durations).All().Select(b => b.Count)];
}

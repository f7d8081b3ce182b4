using System.Text;
using System.Text.Json;
using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Reporting;

/// <summary>What a timing store keeps: merged runs, aged and bounded keys, documents it cannot read.</summary>
public class TimingDocumentTests
{
    // What the ConfigMap store held before it compressed: the bounds these tests were written for.
    private static readonly TimingLimits Limits = new(MaxKeys: 50_000, MaxBytes: 900_000);

    private static TimingDocument Run(TimingDocument document, params (string Key, double Seconds)[] durations) =>
        document.Merge(durations.ToDictionary(d => d.Key, d => d.Seconds, StringComparer.Ordinal), Limits);

    private static TimingDocument Reread(TimingDocument document)
    {
        var (read, problem) = TimingDocument.Parse(document.ToJson(), Limits);
        Assert.Null(problem);
        return read!;
    }

    [Fact]
    public void A_run_replaces_the_durations_of_its_keys_and_keeps_the_others()
    {
        var first = Reread(Run(TimingDocument.Empty, ("a", 1), ("b", 2)));
        var second = Reread(Run(first, ("a", 5), ("c", 3)));

        Assert.Equal(2, second.Runs);
        Assert.Equal(new Dictionary<string, double> { ["a"] = 5, ["b"] = 2, ["c"] = 3 }, second.Durations());
        Assert.Equal(1, second.Keys["b"].Seen);
        Assert.Equal(2, second.Keys["a"].Seen);
    }

    [Fact]
    public void A_key_not_seen_for_ten_runs_is_dropped_and_one_seen_nine_runs_ago_is_kept()
    {
        var document = Run(TimingDocument.Empty, ("gone", 1), ("stays", 1));
        for (var run = 2; run <= TimingDocument.MaxAge; run++)
        {
            document = Reread(Run(document, ("stays", run)));
        }

        Assert.Contains("gone", document.Keys.Keys);
        document = Run(document, ("stays", 11));

        Assert.Equal(TimingDocument.MaxAge + 1, document.Runs);
        Assert.DoesNotContain("gone", document.Keys.Keys);
        Assert.Contains("stays", document.Keys.Keys);
    }

    [Fact]
    public void The_written_document_is_versioned_json_with_the_run_counter_and_each_keys_last_run()
    {
        var json = JsonDocument.Parse(Run(TimingDocument.Empty, ("k \"quoted\" ü", 1.23456)).ToJson()).RootElement;

        Assert.Equal(1, json.GetProperty("version").GetInt32());
        Assert.Equal(1, json.GetProperty("runs").GetInt64());
        var entry = json.GetProperty("keys").GetProperty("k \"quoted\" ü");
        Assert.Equal(1.235, entry[0].GetDouble());
        Assert.Equal(1, entry[1].GetInt64());
    }

    [Fact]
    public void A_key_longer_than_the_bound_and_durations_that_are_not_times_are_not_stored()
    {
        var document = Run(TimingDocument.Empty, (new string('k', TimingDocument.MaxKeyChars + 1), 1), ("nan", double.NaN), ("negative", -1), ("infinite", double.PositiveInfinity), ("ok", 0));

        Assert.Equal(["ok"], document.Keys.Keys);
    }

    [Fact]
    public void Huge_keys_stay_within_the_byte_bound_and_the_keys_seen_longest_ago_go_first()
    {
        var old = Run(TimingDocument.Empty, [.. Enumerable.Range(0, 500).Select(i => ($"old-{i}-{new string('o', 1000)}", 1.0))]);
        var huge = Enumerable.Range(0, 1000).Select(i => ($"new-{i}-{new string('\u0001', 1000)}", 2.0)).ToArray();

        var merged = Run(old, huge);
        var bytes = Encoding.UTF8.GetByteCount(merged.ToJson());

        Assert.True(bytes <= Limits.MaxBytes, $"{bytes} bytes");
        Assert.DoesNotContain(merged.Keys.Keys, k => k.StartsWith("old-", StringComparison.Ordinal));
        Assert.True(merged.Keys.Count > 100, $"{merged.Keys.Count} keys kept");
        Assert.Null(TimingDocument.Parse(merged.ToJson(), Limits).Problem);
    }

    [Fact]
    public void At_most_fifty_thousand_keys_are_kept_the_newest_first()
    {
        var old = Run(TimingDocument.Empty, [.. Enumerable.Range(0, 10).Select(i => ($"old{i}", 1.0))]);
        var merged = Run(old, [.. Enumerable.Range(0, Limits.MaxKeys).Select(i => ($"{i}", 1.0))]);

        Assert.Equal(Limits.MaxKeys, merged.Keys.Count);
        Assert.DoesNotContain(merged.Keys.Keys, k => k.StartsWith("old", StringComparison.Ordinal));
    }

    [Fact]
    public void The_keys_a_bound_drops_are_counted_and_those_too_old_or_too_long_are_not()
    {
        var old = Run(TimingDocument.Empty, ("aged", 1));
        for (var run = 2; run <= TimingDocument.MaxAge; run++)
        {
            old = Run(old, [.. Enumerable.Range(0, 5).Select(i => ($"old{i}", 1.0))]);
        }

        var merged = old.Merge(new Dictionary<string, double> { ["new0"] = 1, ["new1"] = 1, [new string('k', TimingDocument.MaxKeyChars + 1)] = 1 }, new TimingLimits(MaxKeys: 4, MaxBytes: 900_000));

        Assert.DoesNotContain("aged", merged.Keys.Keys);
        Assert.Equal(["new0", "new1", "old0", "old1"], merged.Keys.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, merged.DroppedForSize);
        Assert.Equal(0, Run(TimingDocument.Empty, ("a", 1)).DroppedForSize);
    }

    [Fact]
    public void A_document_with_more_keys_than_the_readers_limit_is_refused()
    {
        var text = Run(TimingDocument.Empty, ("a", 1), ("b", 1), ("c", 1)).ToJson();

        Assert.Contains("out of bounds", TimingDocument.Parse(text, new TimingLimits(MaxKeys: 2, MaxBytes: 900_000)).Problem, StringComparison.Ordinal);
        Assert.Null(TimingDocument.Parse(text, new TimingLimits(MaxKeys: 3, MaxBytes: 900_000)).Problem);
    }

    [Theory]
    [InlineData("not json", "not valid")]
    [InlineData("[]", "not a kubetest timing document")]
    [InlineData("""{"runs": 1, "keys": {}}""", "not a kubetest timing document")]
    [InlineData("""{"version": 2, "runs": 1, "keys": {}}""", "version 2")]
    [InlineData("""{"version": "1", "runs": 1, "keys": {}}""", "not a kubetest timing document")]
    [InlineData("""{"version": 1, "runs": 1, "keys": {"a": [-1, 1]}}""", "out of bounds")]
    [InlineData("""{"version": 1, "runs": 1, "keys": {"a": [1, 5]}}""", "out of bounds")]
    [InlineData("""{"version": 1, "runs": 1, "keys": {"a": ["1", 1]}}""", "not valid")]
    [InlineData("""{"version": 1, "runs": 1, "keys": {"a": {"seconds": 1, "seen": 1}}}""", "not [seconds, run]")]
    [InlineData("""{"version": 1, "runs": 1, "keys": {"a": [1, [[[1]]]]}}""", "not valid")]
    public void A_document_kubetest_cannot_read_gives_its_reason_and_no_durations(string text, string reason)
    {
        var (document, problem) = TimingDocument.Parse(text, Limits);

        Assert.Null(document);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_over_the_byte_bound_is_refused_without_being_parsed()
    {
        var text = """{"version": 1, "runs": 1, "keys": {}}""" + new string(' ', Limits.MaxBytes);

        Assert.Contains("larger than", TimingDocument.Parse(text, Limits).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_stored_is_neither_a_document_nor_a_problem() => Assert.Equal((null, null), TimingDocument.Parse(null, Limits));

    [Fact]
    public void An_unreadable_document_merged_as_empty_is_overwritten_by_a_valid_one()
    {
        var (document, _) = TimingDocument.Parse("{corrupt", Limits);
        var written = (document ?? TimingDocument.Empty).Merge(new Dictionary<string, double> { ["a"] = 1 }, Limits).ToJson();

        Assert.Equal(new Dictionary<string, double> { ["a"] = 1 }, TimingDocument.Parse(written, Limits).Document!.Durations());
    }
}

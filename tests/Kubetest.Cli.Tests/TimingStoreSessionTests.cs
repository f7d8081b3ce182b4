using Kubetest.Reporting;

namespace Kubetest.Cli.Tests;

/// <summary>How a run uses its timing store when the store misbehaves: one warning, never a failed run.</summary>
public class TimingStoreSessionTests
{
    private static readonly Report Finished = Report.Build(
        DateTimeOffset.UnixEpoch,
        TimeSpan.FromSeconds(3),
        [new ReportDetail("a", KeyStatus.Success, 2, ElapsedSeconds: 2.5), new ReportDetail("b", KeyStatus.Failure, 1), new ReportDetail("c", KeyStatus.Unknown, 0, Attempts: 1), new ReportDetail("d", KeyStatus.Unknown, 0, Attempts: 0)],
        new Dictionary<string, string>(),
        stepsFailed: false);

    /// <summary>A store in memory that can be told to fail.</summary>
    private sealed class MemoryStore(string? text, Exception? onRead = null, Exception? onUpdate = null, TimingLimits? limits = null) : ITimingStore
    {
        public string Name => "memory";

        public TimingLimits Limits { get; } = limits ?? new(MaxKeys: 1000, MaxBytes: 100_000);

        public string? Text { get; private set; } = text;

        public int Updates { get; private set; }

        public Task<string?> ReadAsync(CancellationToken cancellationToken) => onRead is null ? Task.FromResult(Text) : throw onRead;

        public Task UpdateAsync(Func<string?, TimingLimits, string> update, CancellationToken cancellationToken)
        {
            Updates++;
            if (onUpdate is not null)
            {
                throw onUpdate;
            }

            Text = update(Text, Limits);
            return Task.CompletedTask;
        }
    }

    private static async Task<List<LogEvent>> UseAsync(MemoryStore store)
    {
        var lines = new EarlyLines();
        var session = new TimingStoreSession(store, TimeProvider.System);
        await session.ReadAsync(lines, dryRun: false, CancellationToken.None);
        await session.SaveAsync(Finished, lines, CancellationToken.None);
        return [.. lines.Take()];
    }

    [Fact]
    public async Task Keys_that_ended_are_saved_and_unknown_keys_are_not()
    {
        var store = new MemoryStore(null);

        var lines = await UseAsync(store);

        Assert.Equal(new Dictionary<string, double> { ["a"] = 2.5, ["b"] = 1 }, TimingDocument.Parse(store.Text, store.Limits).Document!.Durations());
        Assert.Equal(["timings: none stored yet in memory; this run is unbalanced, and saves its durations there", "timings: saved 2 keys to memory (run 1)"], lines.Select(l => l.Message));
    }

    [Fact]
    public async Task A_store_that_cannot_be_read_is_one_warning_and_is_not_written()
    {
        var store = new MemoryStore("{}", onRead: new TimingStoreException("forbidden"));

        var lines = await UseAsync(store);

        var warning = Assert.Single(lines);
        Assert.Equal(LogLevel.Warn, warning.Level);
        Assert.Equal("timings: cannot read the timing store memory: forbidden; this run is unbalanced and saves nothing", warning.Message);
        Assert.Equal(0, store.Updates);
    }

    [Fact]
    public async Task A_store_read_whose_content_is_no_text_is_one_warning_and_the_save_replaces_it()
    {
        var store = new MemoryStore("kept?", onRead: new UnreadableTimingDocumentException("its binaryData timings.json.gz is not gzip-compressed UTF-8 text"));

        var lines = await UseAsync(store);

        var warning = Assert.Single(lines, l => l.Level == LogLevel.Warn);
        Assert.Equal("timings: the timing store memory is unusable (its binaryData timings.json.gz is not gzip-compressed UTF-8 text); this run is unbalanced, and its durations replace what is there", warning.Message);
        Assert.Equal(1, store.Updates);
        Assert.Equal(["a", "b"], TimingDocument.Parse(store.Text, store.Limits).Document!.Keys.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Keys_the_stores_bound_drops_are_counted_in_one_info_line_after_the_saved_line()
    {
        var stored = TimingDocument.Empty.Merge(new Dictionary<string, double> { ["old1"] = 1, ["old2"] = 1, ["old3"] = 1 }, new TimingLimits(10, 10_000)).ToJson();
        var store = new MemoryStore(stored, limits: new TimingLimits(MaxKeys: 3, MaxBytes: 10_000));

        var lines = await UseAsync(store);

        Assert.Equal(
            ["timings: 3 keys from memory (run 1)", "timings: saved 3 keys to memory (run 2)", "timings: 2 keys seen longest ago were not saved: they did not fit in the size bound of memory"],
            lines.Select(l => l.Message));
        Assert.All(lines, l => Assert.Equal(LogLevel.Info, l.Level));
        Assert.Equal(["a", "b", "old1"], TimingDocument.Parse(store.Text, store.Limits).Document!.Keys.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Any_failure_of_a_store_is_a_warning_naming_it_and_never_escapes()
    {
        var store = new MemoryStore(null, onUpdate: new HttpRequestException("connection refused"));

        var lines = await UseAsync(store);

        var warning = Assert.Single(lines, l => l.Level == LogLevel.Warn);
        Assert.Equal("timings: cannot save to the timing store memory: HttpRequestException: connection refused; the next run plans with what it held before", warning.Message);
    }

    [Fact]
    public async Task A_run_that_gives_timings_does_not_read_the_store()
    {
        var store = new MemoryStore(null, onRead: new InvalidOperationException("must not be read"));
        var lines = new EarlyLines();
        var given = new Dictionary<string, double> { ["a"] = 1 };

        var durations = await TimingStoreSession.PlanDurationsAsync(new TimingStoreSession(store, TimeProvider.System), given, lines, dryRun: false, CancellationToken.None);

        Assert.Same(given, durations);
        Assert.Equal(LogLevel.Info, Assert.Single(lines.Take()).Level);
    }
}

namespace Kubetest.Cli;

/// <summary>
/// A run's use of its timing store: past durations read before planning, this run's written back after its
/// report. The store never fails a run: what goes wrong is one <c>[WARN]</c> naming the store, and the run goes on
/// unbalanced or unsaved.
/// </summary>
internal sealed class TimingStoreSession(ITimingStore store, TimeProvider timeProvider)
{
    /// <summary>The longest one read or write may take: a hung store must not hold the run's end.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private bool _unusable;

    public string Name => store.Name;

    /// <summary>
    /// The durations to plan with: <c>--timings</c> when given (the store is not read then, but still learns this run's),
    /// else the store's (see <see cref="ReadAsync"/>); a run without a store has only <c>--timings</c>.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, double>?> PlanDurationsAsync(TimingStoreSession? session, IReadOnlyDictionary<string, double>? timings, IRunObserver lines, bool dryRun, CancellationToken cancellationToken)
    {
        if (session is null || timings is not null)
        {
            if (session is not null)
            {
                var saved = dryRun ? "" : ", and this run's durations are saved to it";
                lines.On(new LogEvent(LogLevel.Info, $"timings: from --timings; the timing store {session.Name} is not read{saved}"));
            }

            return timings;
        }

        return await session.ReadAsync(lines, dryRun, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The stored durations, or null when there are none: nothing stored yet, a document kubetest cannot read
    /// (one warning; the save replaces it), or a store that cannot be read (one warning; nothing is saved then).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, double>?> ReadAsync(IRunObserver lines, bool dryRun, CancellationToken cancellationToken)
    {
        var then = dryRun ? "the plan is unbalanced" : "this run is unbalanced";
        string? text;
        string? problem = null;
        try
        {
            text = await WithTimeoutAsync(token => store.ReadAsync(token), cancellationToken).ConfigureAwait(false);
        }
        catch (UnreadableTimingDocumentException ex)
        {
            // Read, but no text: like a corrupt document, the save replaces it.
            text = null;
            problem = ex.Message;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _unusable = true;
            var unsaved = dryRun ? "" : " and saves nothing";
            lines.On(new LogEvent(LogLevel.Warn, $"timings: cannot read the timing store {store.Name}: {Reason(ex)}; {then}{unsaved}"));
            return null;
        }

        var (document, parseProblem) = TimingDocument.Parse(text, store.Limits);
        problem ??= parseProblem;
        var saves = dryRun ? "" : ", and its durations replace what is there";
        if (problem is not null)
        {
            lines.On(new LogEvent(LogLevel.Warn, $"timings: the timing store {store.Name} is unusable ({problem}); {then}{saves}"));
            return null;
        }

        if (document is null || document.Keys.Count == 0)
        {
            var first = dryRun ? "" : ", and saves its durations there";
            lines.On(new LogEvent(LogLevel.Info, $"timings: none stored yet in {store.Name}; {then}{first}"));
            return null;
        }

        lines.On(new LogEvent(LogLevel.Info, $"timings: {document.Keys.Count} keys from {store.Name} (run {document.Runs})"));
        return document.Durations();
    }

    /// <summary>
    /// Merges the durations of the keys that ended (not <c>unknown</c>, not never started) into the store.
    /// Nothing is written after a store that could not be read: that one warning said so already.
    /// </summary>
    public async Task SaveAsync(Report report, IRunObserver lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (_unusable)
        {
            return;
        }

        var durations = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var detail in report.Details.Where(d => d.Status != KeyStatus.Unknown && d.Attempts > 0))
        {
            // A key listed twice keeps its longest time, as --timings reads a report.
            durations[detail.Name] = Math.Max(detail.ElapsedSeconds ?? detail.ElapsedTimeSec, durations.GetValueOrDefault(detail.Name));
        }

        if (durations.Count == 0)
        {
            lines.On(new LogEvent(LogLevel.Debug, $"timings: no key ended, nothing saved to {store.Name}"));
            return;
        }

        TimingDocument? saved = null;
        try
        {
            await WithTimeoutAsync(
                async token =>
                {
                    await store.UpdateAsync(
                        (current, limits) =>
                        {
                            // An unreadable document was said at the start; here it is simply replaced.
                            saved = (TimingDocument.Parse(current, limits).Document ?? TimingDocument.Empty).Merge(durations, limits);
                            return saved.ToJson();
                        },
                        token).ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A signal while saving: the report still comes, the store keeps what it had (the rename is all or nothing).
            lines.On(new LogEvent(LogLevel.Warn, $"timings: stopped while saving to the timing store {store.Name}; it keeps what it held before"));
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            lines.On(new LogEvent(LogLevel.Warn, $"timings: cannot save to the timing store {store.Name}: {Reason(ex)}; the next run plans with what it held before"));
            return;
        }

        lines.On(new LogEvent(LogLevel.Info, $"timings: saved {saved!.Keys.Count} keys to {store.Name} (run {saved.Runs})"));
        if (saved.DroppedForSize > 0)
        {
            lines.On(new LogEvent(LogLevel.Info, $"timings: {saved.DroppedForSize} keys seen longest ago were not saved: they did not fit in the size bound of {store.Name}"));
        }
    }

    /// <summary>A store's own failure says why; anything else it let through is named by its type, and still never fails the run.</summary>
    private static string Reason(Exception ex) => ex is TimingStoreException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";

    private async Task<T> WithTimeoutAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            return await call(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimingStoreException($"no answer within {Timeout.TotalSeconds:0} s", ex);
        }
    }
}

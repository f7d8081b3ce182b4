namespace Kubetest.Reporting;

/// <summary>A place past durations are kept between runs; holds one text document (the versioned JSON of <c>TimingDocument</c>).</summary>
public interface ITimingStore
{
    /// <summary>How a log line names it, e.g. "ConfigMap ci/kubetest-timings-myjob" or "/home/u/.cache/kubetest/myjob.json".</summary>
    string Name { get; }

    /// <summary>The most it holds: a document is merged within these, and one read past them is refused.</summary>
    TimingLimits Limits { get; }

    /// <summary>
    /// The stored document, or null when there is none yet. Throws <see cref="TimingStoreException"/> when it cannot be read,
    /// <see cref="UnreadableTimingDocumentException"/> when it was read but holds no text (the next update replaces it).
    /// </summary>
    Task<string?> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Read-modify-write: calls <paramref name="update"/> with the current document (null if none, or unreadable) and the
    /// limits to merge within, and stores what it returns; a store that finds the result too big calls it again with
    /// smaller limits (a few times at most); on a concurrent change (conflict) reads again and calls update again (bounded retries).
    /// Throws <see cref="TimingStoreException"/> when it cannot be written.
    /// </summary>
    Task UpdateAsync(Func<string?, TimingLimits, string> update, CancellationToken cancellationToken);
}

/// <summary>A timing store that cannot be read or written; the run goes on without it.</summary>
public sealed class TimingStoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A timing store that was read, but what it holds is no text kubetest can read (e.g. not gzip, or unpacking past its limits).</summary>
public sealed class UnreadableTimingDocumentException(string problem, Exception? inner = null) : Exception(problem, inner);

namespace Kubetest.Reporting;

/// <summary>A place past durations are kept between runs; holds one text document (the versioned JSON of <c>TimingDocument</c>).</summary>
public interface ITimingStore
{
    /// <summary>How a log line names it, e.g. "ConfigMap ci/kubetest-timings-myjob" or "/home/u/.cache/kubetest/myjob.json".</summary>
    string Name { get; }

    /// <summary>The stored document, or null when there is none yet. Throws <see cref="TimingStoreException"/> when it cannot be read.</summary>
    Task<string?> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Read-modify-write: calls <paramref name="update"/> with the current document (null if none) and stores what it returns;
    /// on a concurrent change (conflict) reads again and calls update again (bounded retries).
    /// Throws <see cref="TimingStoreException"/> when it cannot be written.
    /// </summary>
    Task UpdateAsync(Func<string?, string> update, CancellationToken cancellationToken);
}

/// <summary>A timing store that cannot be read or written; the run goes on without it.</summary>
public sealed class TimingStoreException(string message, Exception? inner = null) : Exception(message, inner);

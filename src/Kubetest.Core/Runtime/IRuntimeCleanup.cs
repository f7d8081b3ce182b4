namespace Kubetest.Runtime;

/// <summary>
/// A runtime whose disposal removes whatever its pods left, never throws, and says what it could
/// not remove, so that a run whose cleanup failed still prints its report.
/// </summary>
public interface IRuntimeCleanup : IAsyncDisposable
{
    /// <summary>After disposal: what may be left behind (<c>job/NAME in namespace NS</c>, a directory); empty when everything is gone.</summary>
    IReadOnlyList<string> LeftBehind { get; }
}

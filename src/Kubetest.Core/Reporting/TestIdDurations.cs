namespace Kubetest.Reporting;

/// <summary>
/// Durations from JUnit XML: the entries it lists (names, classnames, scopes), and for a key it does not list the time
/// of the testcases whose test id the key is (<see cref="JUnitNames.TestIdOf"/>, under every form of it). Those answer
/// lookups through <see cref="IReadOnlyDictionary{TKey, TValue}"/> but are not listed: each testcase has several forms,
/// and the median of a source's durations (a new key's estimate) must count each test once.
/// </summary>
internal sealed class TestIdDurations : Dictionary<string, double>, IReadOnlyDictionary<string, double>
{
    public TestIdDurations(IDictionary<string, double> listed, IReadOnlyDictionary<string, double> byTestId)
        : base(listed, StringComparer.Ordinal) => ByTestId = byTestId;

    public IReadOnlyDictionary<string, double> ByTestId { get; }

    double IReadOnlyDictionary<string, double>.this[string key] =>
        ((IReadOnlyDictionary<string, double>)this).TryGetValue(key, out var seconds) ? seconds : throw new KeyNotFoundException(key);

    bool IReadOnlyDictionary<string, double>.ContainsKey(string key) => ContainsKey(key) || ByTestId.ContainsKey(key);

    bool IReadOnlyDictionary<string, double>.TryGetValue(string key, out double value) =>
        TryGetValue(key, out value) || ByTestId.TryGetValue(key, out value);
}

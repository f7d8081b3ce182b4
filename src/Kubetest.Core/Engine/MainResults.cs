using Kubetest.Reporting;

namespace Kubetest.Engine;

/// <summary>The main step's keys and each one's latest result and attempt, in the order they first finished; keys are addressed by <see cref="Planning.PlannedKey.Index"/>.</summary>
internal sealed class MainResults(IReadOnlyList<string> keys)
{
    private readonly object _gate = new();
    private readonly Dictionary<int, (TaskResult Result, int Attempt)> _results = [];
    private readonly List<int> _finishOrder = [];

    public IReadOnlyList<string> Keys { get; private set; } = keys;

    public bool Any
    {
        get
        {
            lock (_gate)
            {
                return _results.Count > 0;
            }
        }
    }

    public void SetKeys(IReadOnlyList<string> keys) => Keys = keys;

    public void Record(int index, TaskResult result, int attempt)
    {
        lock (_gate)
        {
            if (_results.TryAdd(index, (result, attempt)))
            {
                _finishOrder.Add(index);
            }
            else
            {
                _results[index] = (result, attempt);
            }
        }
    }

    public KeyStatus StatusOf(int index)
    {
        lock (_gate)
        {
            return _results.TryGetValue(index, out var r) ? r.Result.Status : KeyStatus.Unknown;
        }
    }

    /// <summary>Finished keys in finishing order, then every key without a result as unknown.</summary>
    public IReadOnlyList<ReportDetail> Details()
    {
        lock (_gate)
        {
            var details = _finishOrder
                .Select(i => new ReportDetail(Keys[i], _results[i].Result.Status, (long)_results[i].Result.Elapsed.TotalSeconds, _results[i].Attempt))
                .ToList();
            details.AddRange(Enumerable.Range(0, Keys.Count)
                .Where(i => !_results.ContainsKey(i))
                .Select(i => new ReportDetail(Keys[i], KeyStatus.Unknown, 0, 0)));
            return details;
        }
    }
}

using Kubetest.Reporting;

namespace Kubetest.Engine;

/// <summary>The main step's keys and each one's latest result, in the order they first finished.</summary>
internal sealed class MainResults(IReadOnlyList<string> keys)
{
    private readonly object _gate = new();
    private readonly Dictionary<int, TaskResult> _results = [];
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

    public void Record(int index, TaskResult result)
    {
        lock (_gate)
        {
            if (_results.TryAdd(index, result))
            {
                _finishOrder.Add(index);
            }
            else
            {
                _results[index] = result;
            }
        }
    }

    public KeyStatus StatusOf(int index)
    {
        lock (_gate)
        {
            return _results.TryGetValue(index, out var r) ? r.Status : KeyStatus.Unknown;
        }
    }

    /// <summary>Finished keys in finishing order, then every key without a result as unknown.</summary>
    public IReadOnlyList<ReportDetail> Details()
    {
        lock (_gate)
        {
            var details = _finishOrder
                .Select(i => new ReportDetail(Keys[i], _results[i].Status, (long)_results[i].Elapsed.TotalSeconds))
                .ToList();
            details.AddRange(Enumerable.Range(0, Keys.Count)
                .Where(i => !_results.ContainsKey(i))
                .Select(i => new ReportDetail(Keys[i], KeyStatus.Unknown, 0)));
            return details;
        }
    }
}

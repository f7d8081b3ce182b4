namespace Kubetest.Engine;

/// <summary>The main step's keys and each one's latest result and attempt, in the order they first finished; keys are addressed by <see cref="Planning.PlannedKey.Index"/>.</summary>
internal sealed class MainResults(IReadOnlyList<string> keys)
{
    private readonly object _gate = new();
    private readonly Dictionary<int, (TaskResult Result, int Attempt)> _results = [];
    private readonly List<int> _finishOrder = [];
    private readonly HashSet<int> _failedBefore = [];
    private readonly Dictionary<int, int> _runsAfterBatch = [];

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

    /// <summary>Records a key's result; <paramref name="runsAfterBatch"/>: how many of its runs so far came after its failed batch could not tell its result.</summary>
    public void Record(int index, TaskResult result, int attempt, int runsAfterBatch = 0)
    {
        lock (_gate)
        {
            if (runsAfterBatch > 0)
            {
                _runsAfterBatch[index] = runsAfterBatch;
            }

            if (_results.TryGetValue(index, out var earlier))
            {
                if (earlier.Result.Status is KeyStatus.Failure or KeyStatus.Error)
                {
                    _failedBefore.Add(index);
                }

                _results[index] = (result, attempt);
            }
            else
            {
                _results.Add(index, (result, attempt));
                _finishOrder.Add(index);
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

    /// <summary>How many times the key ran so far (0: never started).</summary>
    public int AttemptsOf(int index)
    {
        lock (_gate)
        {
            return _results.TryGetValue(index, out var r) ? r.Attempt : 0;
        }
    }

    /// <summary>
    /// The key's runs that count against <c>retest</c>: its attempts, less the runs after a failed batch (together
    /// with its other undecided keys, then alone: they only tell which of the batch's keys failed; reruns come after).
    /// </summary>
    public int CountedAttemptsOf(int index)
    {
        lock (_gate)
        {
            return AttemptsOf(index) - _runsAfterBatch.GetValueOrDefault(index);
        }
    }

    /// <summary>Finished keys in finishing order, then every key without a result as unknown.</summary>
    public IReadOnlyList<ReportDetail> Details()
    {
        lock (_gate)
        {
            var details = _finishOrder
                .Select(i => Detail(i, _results[i].Result, _results[i].Attempt))
                .ToList();
            details.AddRange(Enumerable.Range(0, Keys.Count)
                .Where(i => !_results.ContainsKey(i))
                .Select(i => new ReportDetail(Keys[i], KeyStatus.Unknown, 0, 0)));
            return details;
        }
    }

    /// <summary>A key that passed after a failed run is flaky; its time is its last run's.</summary>
    private ReportDetail Detail(int index, TaskResult result, int attempt) =>
        new(Keys[index], result.Status, (long)result.Elapsed.TotalSeconds, attempt, result.Elapsed.TotalSeconds, result.Status == KeyStatus.Success && _failedBefore.Contains(index));
}

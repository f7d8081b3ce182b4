namespace Kubetest.Planning;

/// <summary>
/// Cuts <c>strategy.batch</c> batches from the head of a queue's order, as a worker asks for work. A batch
/// takes keys in queue order while it holds fewer than its key limit and, counting each key's expected
/// seconds, stays within <c>targetSeconds</c> and within a <em>fair share</em>: the expected work of every
/// key not taken yet (this batch's included) divided by the number of workers. Early on the share is large
/// and batches fill up to their limits; towards the end it shrinks, so no batch holds more than one worker's
/// part of what is left and the last ones are single keys: no worker runs a long batch while others idle. The first key always goes in, so a batch is never empty.
/// With no durations known every key counts as one unit: <c>targetSeconds</c> cannot be judged then and is
/// not applied, the key limit and the fair share (in keys) are. The key limit is <c>maxKeys</c>, or when
/// only <c>targetSeconds</c> is set: no limit with durations known, one key without (nothing to size by).
/// </summary>
public sealed class BatchCutter
{
    private readonly IReadOnlyList<KeyId> _order;
    private readonly Func<string, double> _estimate;
    private readonly double[] _estimates;
    private readonly double[] _rest;
    private readonly int _workers;
    private readonly int _maxKeys;
    private readonly double? _target;

    public BatchCutter(IReadOnlyList<KeyId> order, Batch batch, int workers, IReadOnlyDictionary<string, double>? durations)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(batch);
        var known = durations is { Count: > 0 };
        _estimate = known ? Planner.Estimator(durations!, order.Select(k => k.Key)) : _ => 1.0;
        _order = order;
        _estimates = [.. order.Select(k => _estimate(k.Key))];
        _rest = new double[order.Count + 1];
        for (var i = order.Count - 1; i >= 0; i--)
        {
            _rest[i] = _rest[i + 1] + _estimates[i];
        }

        _workers = Math.Max(1, workers);
        _maxKeys = batch.MaxKeys ?? (known ? int.MaxValue : 1);
        _target = known ? batch.TargetSeconds : null;
    }

    /// <summary>A key's expected seconds: its past duration, the median of the known ones, or 1 for every key when none are known.</summary>
    public double Estimate(string key) => _estimate(key);

    /// <summary>How many keys the batch that starts at <paramref name="head"/> (a place in the order) takes.</summary>
    public int Count(int head)
    {
        if (head >= _order.Count)
        {
            return 0;
        }

        var share = _rest[head] / _workers;
        var sum = _estimates[head];
        var count = 1;
        while (head + count < _order.Count && count < _maxKeys)
        {
            var next = sum + _estimates[head + count];
            if ((_target is { } target && next > target) || next > share)
            {
                break;
            }

            sum = next;
            count++;
        }

        return count;
    }

    /// <summary>Every batch of the whole order, cut one after the other (what workers taking them in turn get).</summary>
    public IReadOnlyList<IReadOnlyList<KeyId>> All()
    {
        var batches = new List<IReadOnlyList<KeyId>>();
        for (var head = 0; head < _order.Count;)
        {
            var count = Count(head);
            batches.Add([.. _order.Skip(head).Take(count)]);
            head += count;
        }

        return batches;
    }
}

using System.Text;

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
/// Whatever the limits, a batch also stops before its key variable (<c>NAME=</c>, the keys joined by the delimiter, the
/// NUL; UTF-8 bytes) would pass <see cref="MaxVariableBytes"/>. A key alone over it still goes in a batch of its own.
/// </summary>
public sealed class BatchCutter
{
    /// <summary>
    /// The most bytes a batch's key variable takes in the environment. Linux refuses an exec with E2BIG when one
    /// argv or env string (<c>NAME=value</c> and its NUL) passes MAX_ARG_STRLEN, 32 pages = 128 KiB; 8 KiB stay
    /// free for kubetest's wrapper, which passes the value once more as an argument of <c>sh</c>.
    /// </summary>
    public const int MaxVariableBytes = 120 * 1024;

    /// <summary>The kernel's own limit for one argv or env string, MAX_ARG_STRLEN (bytes with the NUL).</summary>
    public const int KernelVariableBytes = 128 * 1024;

    private readonly IReadOnlyList<KeyId> _order;
    private readonly Func<string, double> _estimate;
    private readonly double[] _estimates;
    private readonly double[] _rest;
    private readonly int _workers;
    private readonly int _maxKeys;
    private readonly double? _target;
    private readonly int[] _bytes;
    private readonly int _delimiterBytes;
    private readonly int _nameBytes;

    /// <param name="variable">The key variable's name (its <c>NAME=</c> counts towards <see cref="MaxVariableBytes"/>).</param>
    public BatchCutter(IReadOnlyList<KeyId> order, Batch batch, string variable, int workers, IReadOnlyDictionary<string, double>? durations)
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
        _bytes = [.. order.Select(k => Encoding.UTF8.GetByteCount(k.Key))];
        _delimiterBytes = Encoding.UTF8.GetByteCount(batch.Delimiter);
        _nameBytes = NameBytes(variable);
    }

    /// <summary>The bytes <paramref name="variable"/> set to <paramref name="keys"/> joined by <paramref name="delimiter"/> takes in the environment: <c>NAME=</c>, the value, the NUL.</summary>
    public static long VariableBytes(string variable, IEnumerable<string> keys, string delimiter)
    {
        ArgumentNullException.ThrowIfNull(keys);
        long bytes = NameBytes(variable);
        var first = true;
        foreach (var key in keys)
        {
            bytes += Encoding.UTF8.GetByteCount(key) + (first ? 0 : Encoding.UTF8.GetByteCount(delimiter));
            first = false;
        }

        return bytes;
    }

    private static int NameBytes(string variable) => Encoding.UTF8.GetByteCount(variable) + 2;

    /// <summary>A key's expected seconds: its past duration, the median of the known ones, or 1 for every key when none are known.</summary>
    public double Estimate(string key) => _estimate(key);

    /// <summary>How many keys the batch that starts at <paramref name="head"/> (a place in the order) takes.</summary>
    public int Count(int head) => Cut(head).Count;

    /// <summary>Whether any batch of <see cref="All"/> stops short of its other limits because of <see cref="MaxVariableBytes"/>.</summary>
    public bool AnyCutByBytes()
    {
        for (var head = 0; head < _order.Count;)
        {
            var (count, byBytes) = Cut(head);
            if (byBytes)
            {
                return true;
            }

            head += count;
        }

        return false;
    }

    private (int Count, bool ByBytes) Cut(int head)
    {
        if (head >= _order.Count)
        {
            return (0, false);
        }

        var share = _rest[head] / _workers;
        var sum = _estimates[head];
        long bytes = _nameBytes + _bytes[head];
        var count = 1;
        while (head + count < _order.Count && count < _maxKeys)
        {
            var next = sum + _estimates[head + count];
            if ((_target is { } target && next > target) || next > share)
            {
                break;
            }

            var nextBytes = bytes + _delimiterBytes + _bytes[head + count];
            if (nextBytes > MaxVariableBytes)
            {
                return (count, true);
            }

            sum = next;
            bytes = nextBytes;
            count++;
        }

        return (count, false);
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

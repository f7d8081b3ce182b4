namespace Kubetest.Planning;

/// <summary>
/// The queue's order when past durations are known and keys run in batches (<c>strategy.batch</c>). A key's
/// neighbours in the listing are mostly its own file's or package's tests, and a runner collects, imports and sets
/// up once per file it is given: a batch of neighbours costs one file's start-up, a batch of the same size drawn
/// from the whole suite costs nearly every file's (numpy's suite by pytest node id: 164 s in listing order, more
/// than twice that longest-first). So only keys long enough to unbalance the end of the run come first, longest
/// first; the rest keep their listing order, and the cutter's shrinking share balances the end over them.
/// </summary>
internal static class BatchedQueueOrder
{
    /// <summary>A key over this part of one worker's share of all the work goes first: at the end no key is longer.</summary>
    public const double LongKeyShare = 0.05;

    public static List<KeyId> Order(IReadOnlyList<KeyId> keys, Func<string, double> estimate, int workers)
    {
        var seconds = keys.Select(k => estimate(k.Key)).ToList();
        var threshold = seconds.Sum() / Math.Max(1, workers) * LongKeyShare;

        // OrderByDescending is stable: long keys of equal estimate keep their listing order.
        var longKeys = Enumerable.Range(0, keys.Count).Where(i => seconds[i] > threshold).OrderByDescending(i => seconds[i]).Select(i => keys[i]);
        return [.. longKeys, .. Enumerable.Range(0, keys.Count).Where(i => seconds[i] <= threshold).Select(i => keys[i]).OrderBy(k => k.Index)];
    }
}

namespace Kubetest.Cli.Progress;

/// <summary>What the live view shows at one moment.</summary>
/// <param name="Running">Per pod (in the order pods first ran a key), the keys running there now.</param>
/// <param name="Left">The estimated time until the last key ends; null while nothing tells (no timings, no key finished yet).</param>
internal sealed record ProgressSnapshot(int Total, int Done, int Failed, int RunningCount, IReadOnlyList<(string Pod, IReadOnlyList<string> Keys)> Running, TimeSpan Elapsed, TimeSpan? Left);

/// <summary>
/// Follows the main step's keys for the live view: how many are done and failed (by each key's
/// latest run, so a key that passes on a rerun is no longer failed), which run where, and how long
/// is left: each waiting key is expected to take its past duration (<c>--timings</c>) or else the
/// mean of the runs so far; each running key the rest of its past duration, or else (no past
/// duration, or it has already run longer) the mean of the finished runs that took longer than it has
/// run so far, less what it has run, or else, when it has outlasted them all, as long again as it
/// has run. That work is spread over the planned slots, and the estimate is never below the longest
/// of those expected times. Thread-safe.
/// </summary>
internal sealed class ProgressState(TimeProvider time) : IRunObserver
{
    private readonly object _gate = new();
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private readonly Dictionary<TaskId, (string Key, DateTimeOffset Start)> _running = [];
    private readonly Dictionary<string, KeyStatus> _latest = new(StringComparer.Ordinal);
    private readonly List<string> _pods = [];
    private KeysStep? _step;
    private int _total;
    private readonly List<double> _finished = [];

    public void On(RunEvent runEvent)
    {
        lock (_gate)
        {
            switch (runEvent)
            {
                case KeysFound found:
                    _total = found.Count;
                    break;
                case TaskStarted { Task.Step: KeysStep step, Key: { } key } started:
                    _step = step;
                    // A batch shows as its label, not its thousands of keys.
                    _running[started.Task] = (started.Label ?? key, time.GetUtcNow());
                    if (!_pods.Contains(started.Task.Pod))
                    {
                        _pods.Add(started.Task.Pod);
                    }

                    break;
                case CommandFinished { Task.Step: KeysStep } batch:
                    // A batch's own command: its keys then finish one by one, each under a task of its own.
                    _running.Remove(batch.Task);
                    break;
                case KeyFinished { Task.Step: KeysStep } finished:
                    // A key whose pod could not start ends without having started: done all the same.
                    _latest[finished.Task.Name] = finished.Result.Status;
                    if (_running.Remove(finished.Task))
                    {
                        _finished.Add(finished.Result.Elapsed.TotalSeconds);
                    }

                    break;
            }
        }
    }

    public ProgressSnapshot Snapshot()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var byPod = _running.GroupBy(r => r.Key.Pod).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.OrderBy(r => r.Key.Slot).Select(r => r.Value.Key)]);
            var running = _pods.Where(byPod.ContainsKey).Select(pod => (pod, byPod[pod])).ToList();
            var failed = _latest.Values.Count(s => s != KeyStatus.Success);
            return new ProgressSnapshot(_total, _latest.Count, failed, _running.Count, running, now - _started, Left(now));
        }
    }

    /// <summary>The remaining work over the slots, and never less than the longest remaining run.</summary>
    private TimeSpan? Left(DateTimeOffset now)
    {
        if (_step?.Keys is not { } keys)
        {
            return null;
        }

        var runningKeys = _running.Values.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var waiting = keys.Where(k => !_latest.ContainsKey(k) && !runningKeys.Contains(k));
        double? mean = _finished.Count > 0 ? _finished.Average() : null;
        var rests = waiting.Select(k => Expected(k, mean)).Concat(_running.Values.Select(r => Rest(r.Key, (now - r.Start).TotalSeconds))).ToList();
        if (rests.Any(r => r is null))
        {
            return null;
        }

        var slots = Math.Max(1, _step.Pods?.Sum(p => Math.Max(1, p.MaxConcurrent)) ?? 1);
        return TimeSpan.FromSeconds(Math.Max(rests.Sum(r => r!.Value) / slots, rests.Max() ?? 0));
    }

    /// <summary>A waiting key's expected duration: its past one, else the mean of the runs so far; null when neither is known.</summary>
    private double? Expected(string key, double? mean) =>
        _step?.Durations is { } durations && durations.TryGetValue(key, out var past) ? past : mean;

    /// <summary>
    /// How much longer a key that has run <paramref name="ran"/> seconds is expected to run. A key
    /// past its expected time is not about to end: the runs that took longer than it has so far
    /// tell how much longer; when none did, it is expected to run as long again (half of all
    /// things that have lasted a time last as long again), never zero.
    /// </summary>
    private double? Rest(string key, double ran)
    {
        if (_step?.Durations is { } durations && durations.TryGetValue(key, out var past) && past > ran)
        {
            return past - ran;
        }

        if (_finished.Count == 0 && _step?.Durations?.ContainsKey(key) != true)
        {
            return null;
        }

        var longer = _finished.Where(d => d > ran).ToList();
        return longer.Count > 0 ? longer.Average() - ran : ran;
    }
}

using Kubetest.Planning;
using Kubetest.Reporting;

namespace Kubetest.Cli.Progress;

/// <summary>What the live view shows at one moment.</summary>
/// <param name="Running">Per pod (in the order pods first ran a key), the keys running there now.</param>
/// <param name="Left">The estimated time until the last key ends; null while nothing tells (no timings, no key finished yet).</param>
internal sealed record ProgressSnapshot(int Total, int Done, int Failed, int RunningCount, IReadOnlyList<(string Pod, IReadOnlyList<string> Keys)> Running, TimeSpan Elapsed, TimeSpan? Left);

/// <summary>
/// Follows the main step's keys for the live view: how many are done and failed (by each key's
/// latest run, so a key that passes on a rerun is no longer failed), which run where, and how long
/// is left: each key not done is expected to take its past duration (<c>--timings</c>) or else the
/// mean of the runs so far, spread over the planned slots. Thread-safe.
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
    private double _finishedSeconds;
    private int _finishedRuns;

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
                    _running[started.Task] = (key, time.GetUtcNow());
                    if (!_pods.Contains(started.Task.Pod))
                    {
                        _pods.Add(started.Task.Pod);
                    }

                    break;
                case TaskFinished { Task.Step: KeysStep, Total: > 0 } finished:
                    // A key whose pod could not start ends without having started: done all the same.
                    _latest[finished.Task.Name] = finished.Result.Status;
                    if (_running.Remove(finished.Task))
                    {
                        _finishedSeconds += finished.Result.Elapsed.TotalSeconds;
                        _finishedRuns++;
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

        var durations = _step.Durations;
        double? mean = _finishedRuns > 0 ? _finishedSeconds / _finishedRuns : null;
        double? Expected(string key) => durations is not null && durations.TryGetValue(key, out var past) ? past : mean;

        var runningKeys = _running.Values.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var waiting = keys.Where(k => !_latest.ContainsKey(k) && !runningKeys.Contains(k)).ToList();
        var work = 0.0;
        var longest = 0.0;
        foreach (var key in waiting)
        {
            if (Expected(key) is not { } expected)
            {
                return null;
            }

            work += expected;
            longest = Math.Max(longest, expected);
        }

        foreach (var (key, start) in _running.Values)
        {
            if (Expected(key) is not { } expected)
            {
                return null;
            }

            var rest = Math.Max(0, expected - (now - start).TotalSeconds);
            work += rest;
            longest = Math.Max(longest, rest);
        }

        var slots = Math.Max(1, _step.Pods?.Sum(p => Math.Max(1, p.MaxConcurrent)) ?? 1);
        return TimeSpan.FromSeconds(Math.Max(work / slots, longest));
    }
}

namespace Kubetest.Reporting;

/// <summary>
/// One run of a key as the JUnit report needs it: how it ended and, for a run that did not pass,
/// the tail of its output (a passing run keeps none).
/// </summary>
public sealed record KeyAttempt(int Number, TaskResult Result, string OutputTail);

/// <summary>
/// Collects, per key of the main step, each run's result and a bounded tail of its output, for
/// <see cref="JUnitReport"/>. Only key tasks count (not preSteps, postSteps, finalizers or the
/// dynamic key listing). Give it the events the console gets, after masking: it keeps what it
/// is told. Thread-safe.
/// </summary>
public sealed class JUnitCollector(TimeProvider time) : IRunObserver
{
    private readonly object _gate = new();
    private readonly Dictionary<TaskId, (string Key, OutputTail Tail)> _running = [];
    private readonly Dictionary<string, List<KeyAttempt>> _attempts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);

    /// <summary>The first line of a tail whose output was longer than the tail keeps.</summary>
    public const string TruncatedMarker = "[… earlier output cut: the last lines follow]";

    /// <summary>When the run finished (<see cref="RunFinished"/>), for the suite's time with its fraction.</summary>
    public DateTimeOffset? FinishedAt { get; private set; }

    public void On(RunEvent runEvent)
    {
        lock (_gate)
        {
            switch (runEvent)
            {
                case TaskStarted started when KeyTasks.KeyOf(started.Task, started.Key) is { } key:
                    _running[started.Task] = (key, new OutputTail());
                    _started.Add(key);
                    break;
                case TaskOutput output when _running.TryGetValue(output.Task, out var running):
                    running.Tail.Add(output.Line);
                    break;
                case KeyFinished finished:
                    var tail = _running.Remove(finished.Task, out var ran) ? (ran.Tail.Truncated ? TruncatedMarker + "\n" : "") + ran.Tail : "";
                    var name = ran.Key ?? KeyTasks.KeyOf(finished.Task, finished.Task.Name)!;
                    if (!_attempts.TryGetValue(name, out var attempts))
                    {
                        _attempts[name] = attempts = [];
                    }

                    attempts.Add(new KeyAttempt(finished.Task.Attempt, finished.Result, finished.Result.Status == KeyStatus.Success ? "" : tail));
                    break;
                case RunFinished:
                    FinishedAt = time.GetUtcNow();
                    break;
            }
        }
    }

    /// <summary>The key's runs that ended, in order; empty when none did.</summary>
    public IReadOnlyList<KeyAttempt> AttemptsOf(string key)
    {
        lock (_gate)
        {
            return _attempts.TryGetValue(key, out var attempts) ? [.. attempts] : [];
        }
    }

    /// <summary>Whether some run of the key started (a key interrupted while running has no result but did start).</summary>
    public bool Started(string key)
    {
        lock (_gate)
        {
            return _started.Contains(key);
        }
    }
}

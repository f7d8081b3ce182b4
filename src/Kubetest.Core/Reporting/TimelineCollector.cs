namespace Kubetest.Reporting;

/// <summary>
/// One run of a key on the timeline: where it ran (pod and the pod's slot), when it started, how
/// long it took and how it ended (<see cref="Result"/> null: the run ended while it was running),
/// and the tail of its output. <see cref="Started"/> is false for a key that got its result without
/// starting (its pod could not start): it has no place on the timeline.
/// </summary>
public sealed record TimelineRun(string Key, int Attempt, string Pod, int Slot, DateTimeOffset Start, TimeSpan Elapsed, TaskResult? Result, string OutputTail, bool OutputTruncated, bool Started = true);

/// <summary>
/// Records, per run of each key of the main step, its pod, slot, start time (by the
/// <see cref="TimeProvider"/> the engine's report uses too), duration, result and a bounded output
/// tail, for <see cref="HtmlReport"/>. A run that passed keeps the last
/// <see cref="PassedTailLines"/> lines / <see cref="PassedTailChars"/> characters of its output,
/// any other run the last <see cref="OutputTail.DefaultMaxLines"/> / <see cref="OutputTail.DefaultMaxChars"/>,
/// so the report's size grows with the number of runs, never with the output. Give it the events
/// the console gets, after masking. Thread-safe.
/// </summary>
public sealed class TimelineCollector(TimeProvider time) : IRunObserver
{
    public const int PassedTailLines = 10;
    public const int PassedTailChars = 1024;

    private readonly object _gate = new();
    private readonly Dictionary<TaskId, (string Key, DateTimeOffset Start, OutputTail Tail)> _running = [];
    private readonly List<TimelineRun> _runs = [];

    /// <summary>How many keys can run at once in the main step: the planned pods' slots (1 for a main step without strategy).</summary>
    public int Slots { get; private set; }

    /// <summary>When the run finished (<see cref="RunFinished"/>).</summary>
    public DateTimeOffset? FinishedAt { get; private set; }

    public void On(RunEvent runEvent)
    {
        lock (_gate)
        {
            switch (runEvent)
            {
                case TaskStarted started when KeyTasks.KeyOf(started.Task, started.Key) is { } key:
                    _running[started.Task] = (started.Label ?? key, time.GetUtcNow(), new OutputTail());
                    Slots = Math.Max(Slots, SlotsOf(started.Task.Step));
                    break;
                case TaskOutput output when _running.TryGetValue(output.Task, out var running):
                    running.Tail.Add(output.Line);
                    break;
                case KeyFinished finished:
                    if (_running.Remove(finished.Task, out var ran))
                    {
                        _runs.Add(Run(finished.Task, ran.Key, ran.Start, finished.Result.Elapsed, finished.Result, ran.Tail));
                    }
                    else if (KeyTasks.KeyOf(finished.Task, finished.Task.Name) is { } notStarted)
                    {
                        _runs.Add(new TimelineRun(notStarted, finished.Task.Attempt, finished.Task.Pod, finished.Task.Slot, time.GetUtcNow(), TimeSpan.Zero, finished.Result, "", false, Started: false));
                    }

                    break;
                case RunFinished:
                    var now = time.GetUtcNow();
                    FinishedAt = now;
                    foreach (var (task, (key, start, tail)) in _running)
                    {
                        _runs.Add(Run(task, key, start, now - start, null, tail));
                    }

                    _running.Clear();
                    break;
            }
        }
    }

    /// <summary>Every run of a key that started, in the order they started.</summary>
    public IReadOnlyList<TimelineRun> Runs()
    {
        lock (_gate)
        {
            return [.. _runs.OrderBy(r => r.Start).ThenBy(r => r.Pod, StringComparer.Ordinal).ThenBy(r => r.Slot)];
        }
    }

    private static TimelineRun Run(TaskId task, string key, DateTimeOffset start, TimeSpan elapsed, TaskResult? result, OutputTail tail)
    {
        if (result?.Status == KeyStatus.Success)
        {
            // A passing run keeps only a short tail: the report stays small with thousands of keys.
            var lines = tail.ToString().Split('\n');
            var shortTail = new OutputTail(PassedTailLines, PassedTailChars);
            foreach (var line in lines.Length > PassedTailLines ? lines[^PassedTailLines..] : lines)
            {
                shortTail.Add(line);
            }

            return new TimelineRun(key, task.Attempt, task.Pod, task.Slot, start, elapsed, result, shortTail.ToString(), tail.Truncated || shortTail.Truncated || lines.Length > PassedTailLines);
        }

        return new TimelineRun(key, task.Attempt, task.Pod, task.Slot, start, elapsed, result, tail.ToString(), tail.Truncated);
    }

    private static int SlotsOf(PlanStep step) => step switch
    {
        KeysStep { Pods: { } pods } => pods.Sum(p => Math.Max(1, p.MaxConcurrent)),
        _ => 1,
    };
}

namespace Kubetest.Reporting;

public enum LogLevel
{
    Debug,
    Info,
    Warn,
    Error,
}

/// <summary>What the engine tells its reporters. The engine never formats output itself.</summary>
public abstract record RunEvent;

/// <summary>A log line of the run (the original's <c>[INFO] …</c> lines).</summary>
public sealed record LogEvent(LogLevel Level, string Message) : RunEvent;

/// <summary>A step of the plan started; reporters take its label and name from <see cref="Step"/>.</summary>
public sealed record StepStarted(PlanStep Step) : RunEvent;

public sealed record StepFinished(PlanStep Step, TimeSpan Elapsed, bool Succeeded) : RunEvent;

public sealed record KeysFound(int Count, bool Dynamic) : RunEvent;

/// <summary>
/// A command started in a container. <see cref="KeyEnv"/>/<see cref="Key"/> are set for strategy
/// keys; <see cref="DisplayCommand"/> is the command and args joined as the original prints them.
/// <see cref="Label"/> is what people read for a batch's keys (<see cref="BatchLabel"/>: escaped and bounded);
/// null when <see cref="Key"/> is one key, which reads as it is.
/// </summary>
public sealed record TaskStarted(TaskId Task, string DisplayCommand, string? KeyEnv, string? Key, string? Label = null) : RunEvent;

public sealed record TaskOutput(TaskId Task, OutputStream Stream, string Line) : RunEvent;

/// <summary>
/// A command that is not one key's run ended (or could not run): a step's command, a finalizer, a batch's
/// command (its keys then finish one by one, each with a <see cref="KeyFinished"/>). It ends the block its
/// <see cref="TaskStarted"/> opened.
/// </summary>
public sealed record CommandFinished(TaskId Task, TaskResult Result) : RunEvent;

/// <summary>
/// A key of the report has the result of one attempt: a strategy key (<see cref="Finished"/> of <see cref="Total"/>
/// counts the keys of this run of the step) or the one run of a main step without strategy. When the key ran
/// alone in its command, this also ends that command's block (the same <see cref="TaskId"/> as its
/// <see cref="TaskStarted"/>); a key of a batch, or one that never started, has no block.
/// </summary>
public sealed record KeyFinished(TaskId Task, TaskResult Result, int Finished, int Total) : RunEvent;

public sealed record RetestStarted(int Count) : RunEvent;

public sealed record ArtifactExported(string Name, string Path) : RunEvent;

/// <summary>The run is over; the report is final.</summary>
public sealed record RunFinished(Report Report) : RunEvent;

/// <summary>
/// Identifies one execution: the plan's step, the key (or container name) and the attempt (1, or 2 on retest),
/// the pod and container it ran in, and <see cref="Slot"/>: which of the pod's concurrent runners ran it
/// (0 to <c>maxConcurrentNumPerPod</c> - 1), so reporters can draw one lane per pod slot.
/// </summary>
public sealed record TaskId(PlanStep Step, string Name, int Attempt, string Pod, string Container, int Slot = 0);

public enum KeyStatus
{
    Success,
    Failure,
    Error,
    Unknown,
}

/// <summary>How one command ended. <see cref="Message"/> explains an Error (the pod could not start, …).</summary>
public sealed record TaskResult(KeyStatus Status, int? ExitCode, TimeSpan Elapsed, string? Message = null)
{
    /// <summary>The run was stopped (a signal) while this command ran, or before a key it ran for had its result: unknown, but it did run.</summary>
    public bool Interrupted { get; init; }

    /// <summary>What a command (or a key of it) ends with when the run is stopped: <paramref name="why"/> says how far it got.</summary>
    public static TaskResult Stopped(TimeSpan elapsed, string why) => new(KeyStatus.Unknown, null, elapsed, $"interrupted: {why}") { Interrupted = true };
}

/// <summary>Receives the run's events, in order, from any thread; implementations must be thread-safe.</summary>
public interface IRunObserver
{
    void On(RunEvent runEvent);
}

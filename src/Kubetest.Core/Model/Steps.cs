namespace Kubetest.Model;

public enum StepKind
{
    PreStep,
    Main,
    DynamicKeys,
    PostStep,
}

/// <summary>A pre- or post-step: one pod whose containers run once.</summary>
public sealed record Step(string Name, StepKind Kind, int? TtlSecondsAfterFinished, TestJobTemplate Template);

public sealed class MainStep
{
    public Strategy? Strategy { get; init; }

    public int? TtlSecondsAfterFinished { get; init; }

    public required TestJobTemplate Template { get; init; }
}

public sealed class Strategy
{
    public required StrategyKey Key { get; init; }

    public Scheduler Scheduler { get; init; } = new(0, 0, 0);

    /// <summary>How many times a failed key runs again: <c>retest: true</c> is 1, <c>false</c> 0, or a number 0..<see cref="MaxReruns"/>.</summary>
    public int Reruns { get; init; }

    /// <summary>Whether any failed key runs again (the original's <c>retest: true</c>).</summary>
    public bool Retest => Reruns > 0;

    /// <summary><c>failFast</c>: after the first key that failed for good (after its reruns), no new key starts.</summary>
    public bool FailFast { get; init; }

    /// <summary><c>batch</c>: several keys in one command; null runs one key per command.</summary>
    public Batch? Batch { get; init; }

    public const int MaxReruns = 10;

    /// <summary>The longest <c>key.timeout</c> (and <c>--key-timeout</c>): a week, far within what a timer can wait.</summary>
    public static readonly TimeSpan MaxKeyTimeout = TimeSpan.FromDays(7);
}

/// <summary>
/// <c>strategy.batch</c>: a task runs several keys in one command, the key variable holding them joined by
/// <paramref name="Delimiter"/>. A batch holds at most <paramref name="MaxKeys"/> keys and, when durations are
/// known, at most <paramref name="TargetSeconds"/> of expected work (a longer single key is a batch of its own).
/// </summary>
public sealed record Batch(int? MaxKeys, double? TargetSeconds, string Delimiter = " ")
{
    /// <summary>The most keys one batch may hold when <c>maxKeys</c> is set.</summary>
    public const int MaxMaxKeys = 10_000;
}

/// <param name="Timeout"><c>key.timeout</c>: how long one run of a key may take; null for no limit.</param>
public sealed record StrategyKey(string Env, StrategyKeySource Source, TimeSpan? Timeout = null);

public sealed record StrategyKeySource(IReadOnlyList<string>? Static, DynamicKeySource? Dynamic);

public sealed record DynamicKeySource(TestJobTemplate Template, string Delimiter, string? Filter, int? TtlSecondsAfterFinished);

/// <summary>
/// Zero means "not set" for every limit, as in the original. <paramref name="Mode"/> is kubetest's own
/// <c>scheduler.mode</c>: keys bound to pods when planned (<c>static</c>, the original's way) or taken
/// from one shared queue by worker containers (<c>queue</c>).
/// </summary>
public sealed record Scheduler(int MaxPodNum, int MaxContainersPerPod, int MaxConcurrentNumPerPod, SchedulerMode Mode = SchedulerMode.Static);

/// <summary><c>strategy.scheduler.mode</c>.</summary>
public enum SchedulerMode
{
    /// <summary>Each key gets a container of its own in a pod chosen when the run is planned.</summary>
    Static,

    /// <summary>Each pod holds <c>maxConcurrentNumPerPod</c> worker containers; every free worker takes the next key of one queue for the whole run.</summary>
    Queue,
}

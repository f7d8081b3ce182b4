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

    public bool Retest { get; init; }
}

public sealed record StrategyKey(string Env, StrategyKeySource Source);

public sealed record StrategyKeySource(IReadOnlyList<string>? Static, DynamicKeySource? Dynamic);

public sealed record DynamicKeySource(TestJobTemplate Template, string Delimiter, string? Filter, int? TtlSecondsAfterFinished);

/// <summary>Zero means "not set" for every field, as in the original.</summary>
public sealed record Scheduler(int MaxPodNum, int MaxContainersPerPod, int MaxConcurrentNumPerPod);

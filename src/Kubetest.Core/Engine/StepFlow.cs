namespace Kubetest.Engine;

/// <summary>What a step produced: whether it succeeded and, for the steps whose product a later step takes, that product.</summary>
internal sealed record StepOutcome(bool Succeeded)
{
    public static readonly StepOutcome Success = new(true);

    public static readonly StepOutcome Failure = new(false);

    /// <summary>The dynamic key listing's keys, for the key step.</summary>
    public IReadOnlyList<string>? ListedKeys { get; init; }

    /// <summary>The key step as it ran (its keys planned), for the retest.</summary>
    public KeyPhase? Keys { get; init; }

    /// <summary>The keys themselves are unusable (none found, a NUL): the run ends as bad input.</summary>
    public bool BadInput { get; init; }

    public static StepOutcome Of(bool succeeded) => succeeded ? Success : Failure;
}

/// <summary>
/// Which steps of a run's plan run, from what the steps before them produced, and what they pass on. Steps up to
/// the keys run while nothing failed. The later ones run when the keys were reached (nothing failed before them, or
/// some key has a result), so a failed key still gets its postSteps and export; a failed postStep stops the
/// postSteps after it.
/// </summary>
internal sealed class StepFlow
{
    private bool? _keysReached;
    private bool _postStepFailed;

    public bool Failed { get; private set; }

    public bool BadInput { get; private set; }

    public IReadOnlyList<string>? ListedKeys { get; private set; }

    public KeyPhase? Keys { get; private set; }

    public bool ShouldRun(PlanStep step, bool anyKeyResult)
    {
        if (!step.AfterKeys)
        {
            return !Failed;
        }

        _keysReached ??= !Failed || anyKeyResult;
        return _keysReached.Value && !(step is PodStep { Kind: StepKind.PostStep } && _postStepFailed);
    }

    /// <summary>Takes what <paramref name="step"/> produced.</summary>
    public void Took(PlanStep step, StepOutcome outcome)
    {
        ListedKeys = outcome.ListedKeys ?? ListedKeys;
        Keys = outcome.Keys ?? Keys;
        BadInput |= outcome.BadInput;
        if (!outcome.Succeeded)
        {
            Failed = true;
            _postStepFailed |= step is PodStep { Kind: StepKind.PostStep };
        }
    }
}

/// <summary>One key step's run: its keys as planned, their time limit (with its watchdog's marker), and the fail-fast stop its workers share (retest included).</summary>
internal sealed class KeyPhase(KeysStep step, KeyTimeout? timeout)
{
    private volatile bool _failFastStopped;

    public KeysStep Step { get; } = step;

    public KeyTimeout? Timeout { get; } = timeout;

    /// <summary>Fail-fast: a key failed, so no new key starts (until a rerun shows it passes). Read by every pod's workers.</summary>
    public bool FailFastStopped
    {
        get => _failFastStopped;
        set => _failFastStopped = value;
    }
}

namespace Kubetest.Engine;

/// <summary>What a worker runs in one held container of its pod: a step's command, one run of a key, or one run of a batch of keys.</summary>
internal abstract record Work(string Container)
{
    /// <summary>A key's first run (or a batch's), which a fail-fast stop keeps from starting; reruns always start.</summary>
    public virtual bool FirstAttempt => false;
}

/// <summary>A step's one command (a preStep, a postStep, a main step without strategy, the dynamic key listing); <paramref name="Stdout"/>, when given, keeps its standard output as a value.</summary>
internal sealed record StepCommand(string Container, OutputCapture? Stdout) : Work(Container);

/// <summary>
/// One run of one key, its <paramref name="Attempt"/>-th. <paramref name="KeyInExec"/>: the container serves
/// several keys (a <c>queue</c> worker, a static batch's container), so the key reaches the command through this
/// exec's environment and its artifacts are kept in a directory of its own, then cleared in the container; else
/// the key is in the container's own env (a <c>static</c> key's container). <paramref name="RunsAfterBatch"/>: how
/// many of the key's runs so far, this one included, came after its batch failed without telling its result
/// (extra attempts that are no retest), 0 otherwise.
/// </summary>
internal sealed record KeyRun(KeyId Key, string Container, int Attempt, bool KeyInExec, int RunsAfterBatch = 0) : Work(Container)
{
    public override bool FirstAttempt => Attempt == 1;
}

/// <summary>One command for the keys of <paramref name="Batch"/>, as their <paramref name="Attempt"/>-th run; always on a container that serves several keys.</summary>
internal sealed record BatchRun(KeyBatch Batch, string Container, int Attempt, int RunsAfterBatch = 0) : Work(Container)
{
    public override bool FirstAttempt => Attempt == 1;

    /// <summary>The run of one of its keys, as this batch's attempt.</summary>
    public KeyRun RunOf(KeyId key) => new(key, Container, Attempt, KeyInExec: true, RunsAfterBatch);
}

/// <summary>A batch's keys (each its own identity) and each one's expected seconds, in the same order; <see cref="Text"/> is what the key variable holds: the keys joined by <paramref name="Delimiter"/>.</summary>
internal sealed record KeyBatch(IReadOnlyList<KeyId> Keys, IReadOnlyList<double> Estimates, string Delimiter)
{
    public string Text { get; } = string.Join(Delimiter, Keys.Select(k => k.Key));

    /// <summary>What people read for it: <see cref="Text"/> while short, else its first and last key and its size (<see cref="BatchLabel"/>).</summary>
    public string Label => BatchLabel.Of([.. Keys.Select(k => k.Key)], Delimiter);

    /// <summary>Some of its keys (in their batch order) with their estimates: a batch to run again.</summary>
    public KeyBatch Subset(IEnumerable<KeyId> keys)
    {
        var kept = keys.ToHashSet();
        var indexes = Enumerable.Range(0, Keys.Count).Where(i => kept.Contains(Keys[i])).ToList();
        return new([.. indexes.Select(i => Keys[i])], [.. indexes.Select(i => Estimates[i])], Delimiter);
    }
}

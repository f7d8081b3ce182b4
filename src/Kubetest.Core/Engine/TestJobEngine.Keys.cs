namespace Kubetest.Engine;

/// <summary>The main step's keys: listing them (dynamic keys), running them over the plan's pods, the retest.</summary>
public sealed partial class TestJobEngine
{
    /// <summary>
    /// Runs the dynamic key template once and splits its standard output into keys. False when it
    /// failed, or (as bad input, exit 3) when no key came out without <c>--allow-empty</c> or a key
    /// holds a NUL: a CI job that tests nothing must not pass.
    /// </summary>
    private async Task<StepOutcome> ListKeysAsync(KeyListingStep step, RunContext run)
    {
        var dynamic = step.Source;
        var stdout = new OutputCapture();
        var result = await RunOnceAsync(step, dynamic.Template, dynamic.TtlSecondsAfterFinished, stdout, run).ConfigureAwait(false);
        if (result.Status != KeyStatus.Success)
        {
            run.Events.On(new LogEvent(LogLevel.Error, $"the command for dynamic keys failed: {Describe(result)}"));
            return StepOutcome.Failure;
        }

        string? problem;
        IReadOnlyList<string> keys = [];
        if (stdout.Overflowed)
        {
            problem = $"the command for dynamic keys printed more than {OutputCapture.MaxChars / (1024 * 1024)} MiB on stdout; keys are read from at most that much";
        }
        else
        {
            var all = KeySplitter.Split(stdout.Text, dynamic.Delimiter);
            keys = KeySplitter.Filter(all, dynamic.Filter);
            problem = KeySplitter.FirstWithNul(keys) is int nul ? $"key {nul + 1} of the dynamic key command's output contains a NUL character"
                : keys.Count > 0 || run.Options.AllowEmpty ? null
                : all.Count == 0 ? "no keys: the dynamic key command's output was empty (pass --allow-empty to accept a run without keys)"
                : $"no keys: the filter \"{Printable.Escape(dynamic.Filter ?? "")}\" matched none of the {all.Count} keys of the dynamic key command (pass --allow-empty to accept a run without keys)";
        }

        if (problem is not null)
        {
            run.Events.On(new LogEvent(LogLevel.Error, problem));
            return StepOutcome.Failure with { BadInput = true };
        }

        return StepOutcome.Success with { ListedKeys = keys };
    }

    /// <summary>Runs the key step's pods all at once (its keys planned now if a listing step found them).</summary>
    private async Task<StepOutcome> RunKeysAsync(KeysStep step, IReadOnlyList<string>? listed, RunContext run)
    {
        var dynamic = step.Keys is null;
        if (dynamic)
        {
            step = step.WithKeys(listed ?? throw new InvalidOperationException("a key step without keys must follow a key listing step"));
            run.Results.SetKeys(step.Keys!);
        }

        var phase = new KeyPhase(step, step.KeyTimeout is { } limit ? new KeyTimeout(limit, run.Options.KeyTimeoutGrace ?? KeyTimeout.DefaultGrace) : null);
        run.Events.On(new KeysFound(step.Keys!.Count, dynamic));
        await RunKeySetAsync(phase, null, run).ConfigureAwait(false);
        return StepOutcome.Success with { Keys = phase };
    }

    /// <summary>
    /// Runs each failed key again until it passes or has had its reruns, each under the identity
    /// (pod index, container) it had. With fail-fast, a failure kept the keys after it from starting:
    /// if every failed key then passed on a rerun, those keys start now (and the same holds for them).
    /// </summary>
    private async Task<bool> RetestAsync(RetestStep retest, KeyPhase? phase, RunContext run)
    {
        if (phase is not { Step.Keys: { } keys })
        {
            return true;
        }

        var all = Enumerable.Range(0, keys.Count).ToList();
        while (true)
        {
            HashSet<int> failed;
            while ((failed = all.Where(i => IsFailed(run, i) && run.Results.CountedAttemptsOf(i) <= retest.Reruns).ToHashSet()).Count > 0)
            {
                run.Events.On(new RetestStarted(failed.Count));
                if (!await RunKeySetAsync(phase, failed, run).ConfigureAwait(false))
                {
                    return true;
                }
            }

            var waiting = all.Where(i => run.Results.AttemptsOf(i) == 0).ToHashSet();
            if (!phase.FailFastStopped || waiting.Count == 0 || all.Any(i => IsFailed(run, i)))
            {
                return true;
            }

            phase.FailFastStopped = false;
            run.Events.On(new LogEvent(LogLevel.Info, $"fail-fast: every failed key passed on a rerun; the {waiting.Count} keys not started yet start now"));
            if (!await RunKeySetAsync(phase, waiting, run).ConfigureAwait(false))
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Runs the step's keys (<paramref name="only"/> null) or some of them through the <see cref="WorkerLoop"/>: in
    /// <c>static</c> mode each in the pod index and container the plan gave it (one key per container, or the batches
    /// of <see cref="StaticBatches"/>), in <c>queue</c> mode from a shared queue of just those keys (in queue order)
    /// over as many worker pods as they need.
    /// </summary>
    private Task<bool> RunKeySetAsync(KeyPhase phase, IReadOnlySet<int>? only, RunContext run)
    {
        var step = phase.Step;
        IWorkSource source;
        int total;
        if (step.Queue is { } queue)
        {
            var plan = only is null ? queue : queue.Subset(only, step.Scheduler);
            (source, total) = (new QueueSource(step, plan, run.Results, run.Pods), plan.Order.Count);
        }
        else
        {
            var pods = only is null ? step.Pods! : Planner.Retest(step.Pods!, only);
            source = step.Batch is null ? new StaticKeySource(step, pods, run.Results, run.Pods) : new StaticBatchSource(step, pods, run.Results, run.Pods);
            total = pods.Sum(p => p.Keys.Count);
        }

        return new WorkerLoop(runtime, phase, run).RunAsync(source, total);
    }

    private static bool IsFailed(RunContext run, int index) => run.Results.StatusOf(index) is KeyStatus.Failure or KeyStatus.Error;
}

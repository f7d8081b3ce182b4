using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Engine;

/// <summary>The main step: one run of the main container, or the keys of a strategy through the plan.</summary>
public sealed partial class TestJobEngine
{
    /// <summary>Set when the keys themselves are unusable (none found, a NUL): the run ends as bad input.</summary>
    private bool _badInput;

    private async Task<bool> RunMainAsync(MainStep main, RunOptions options, PodRequestBuilder builder, MainResults results, CancellationToken cancellationToken)
    {
        if (main.Strategy is not { } strategy)
        {
            var result = await RunOnceAsync(StepKind.Main, "", main.Template, main.TtlSecondsAfterFinished, builder, observer, cancellationToken).ConfigureAwait(false);
            results.Record(0, result);
            return true;
        }

        IReadOnlyList<string> keys;
        if (options.ListKeys is null && strategy.Key.Source.Dynamic is { } dynamic)
        {
            var found = await DynamicKeysAsync(dynamic, options.AllowEmpty, builder, cancellationToken).ConfigureAwait(false);
            if (found is null)
            {
                return false;
            }

            keys = found;
            results.SetKeys(keys);
            observer.On(new KeysFound(keys.Count, Dynamic: true));
        }
        else
        {
            keys = results.Keys;
            observer.On(new KeysFound(keys.Count, Dynamic: false));
        }

        // Ordinals of the plan are indexes into the run's keys, for the first attempt and the retest alike.
        var plan = Planner.Plan(keys, strategy.Scheduler, options.Durations);
        await RunKeysAsync(main, strategy, plan, results, attempt: 1, builder, cancellationToken).ConfigureAwait(false);
        var failed = Enumerable.Range(0, keys.Count).Where(i => results.StatusOf(i) is KeyStatus.Failure or KeyStatus.Error).ToHashSet();
        if (strategy.Retest && failed.Count > 0)
        {
            observer.On(new RetestStarted(failed.Count));
            await RunKeysAsync(main, strategy, Planner.Retest(plan, failed), results, attempt: 2, builder, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Runs the pods of <paramref name="plan"/> all at once.</summary>
    private async Task RunKeysAsync(MainStep main, Strategy strategy, IReadOnlyList<PlannedPod> plan, MainResults results, int attempt, PodRequestBuilder builder, CancellationToken cancellationToken)
    {
        var total = plan.Sum(p => p.Keys.Count);
        var template = main.Template;
        var mainName = template.MainContainer.Container.Name;
        var finished = 0;
        var gate = new object();
        var runs = new List<Task>(plan.Count);
        foreach (var pod in plan)
        {
            var tasks = pod.Keys.Select(k => new PodTask(
                new TaskId(StepKind.Main, "", k.Key, attempt, "", PodRequestBuilder.KeyContainerName(mainName, k)),
                PodRequestBuilder.KeyContainerName(mainName, k),
                strategy.Key.Env,
                k.Key,
                k.Ordinal)).ToList();

            void OnFinished(PodTask task, TaskResult result)
            {
                lock (gate)
                {
                    finished++;
                    results.Record(task.Ordinal, result);
                    observer.On(new TaskFinished(task.Id, result, finished, total));
                }
            }

            runs.Add(RunPodAsync(template, strategy, pod, tasks, OnFinished, builder, main.TtlSecondsAfterFinished, cancellationToken));
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
    }

    private async Task RunPodAsync(TestJobTemplate template, Strategy strategy, PlannedPod pod, List<PodTask> tasks, Action<PodTask, TaskResult> onFinished, PodRequestBuilder builder, int? ttl, CancellationToken cancellationToken)
    {
        PodRequest request;
        try
        {
            request = builder.ForKeys(template, strategy.Key.Env, pod, ttl);
        }
        catch (StepSetupException ex)
        {
            foreach (var task in tasks)
            {
                onFinished(task, new TaskResult(KeyStatus.Error, null, TimeSpan.Zero, ex.Message));
            }

            return;
        }

        try
        {
            await new PodExecutor(runtime, observer, _artifacts)
                .RunAsync(request, template, tasks, pod.MaxConcurrent, onFinished, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Once keys run, nothing may cost the run its report (a vanished API server, a pod gone):
            // this pod's keys that have no result are reported as unknown.
            observer.On(new LogEvent(LogLevel.Error, $"pod {request.GenerateName}…: {ex.Message}; its keys without a result are reported as unknown"));
            observer.On(new LogEvent(LogLevel.Debug, ex.ToString()));
        }
    }

    /// <summary>
    /// Runs the dynamic key template once and splits its standard output into keys; null when it
    /// failed, or (as bad input, exit 3) when no key came out without <paramref name="allowEmpty"/>
    /// or a key holds a NUL: a CI job that tests nothing must not pass.
    /// </summary>
    private async Task<IReadOnlyList<string>?> DynamicKeysAsync(DynamicKeySource dynamic, bool allowEmpty, PodRequestBuilder builder, CancellationToken cancellationToken)
    {
        var capture = new StdoutCapture(observer);
        var result = await RunOnceAsync(StepKind.DynamicKeys, "dynamic keys", dynamic.Template, dynamic.TtlSecondsAfterFinished, builder, capture, cancellationToken).ConfigureAwait(false);
        if (result.Status != KeyStatus.Success)
        {
            observer.On(new LogEvent(LogLevel.Error, $"the command for dynamic keys failed: {Describe(result)}"));
            return null;
        }

        if (capture.Overflowed)
        {
            _badInput = true;
            observer.On(new LogEvent(LogLevel.Error, $"the command for dynamic keys printed more than {StdoutCapture.MaxChars / (1024 * 1024)} MiB on stdout; keys are read from at most that much"));
            return null;
        }

        var all = KeySplitter.Split(capture.Text, dynamic.Delimiter);
        var keys = KeySplitter.Filter(all, dynamic.Filter);
        var problem = KeySplitter.FirstWithNul(keys) is int nul ? $"key {nul + 1} of the dynamic key command's output contains a NUL character"
            : keys.Count > 0 || allowEmpty ? null
            : all.Count == 0 ? "no keys: the dynamic key command's output was empty (pass --allow-empty to accept a run without keys)"
            : $"no keys: the filter \"{Printable.Escape(dynamic.Filter ?? "")}\" matched none of the {all.Count} keys of the dynamic key command (pass --allow-empty to accept a run without keys)";
        if (problem is not null)
        {
            _badInput = true;
            observer.On(new LogEvent(LogLevel.Error, problem));
            return null;
        }

        return keys;
    }

    /// <summary>Forwards every event and keeps the standard output of the task, for dynamic keys, up to <see cref="MaxChars"/>.</summary>
    private sealed class StdoutCapture(IRunObserver inner) : IRunObserver
    {
        /// <summary>64 Mi characters of keys text: generous for any key list, and a bound on memory.</summary>
        public const int MaxChars = 64 * 1024 * 1024;

        private readonly System.Text.StringBuilder _text = new();

        public bool Overflowed { get; private set; }

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public void On(RunEvent runEvent)
        {
            if (runEvent is TaskOutput { Stream: OutputStream.Stdout } output)
            {
                lock (_text)
                {
                    if (_text.Length + output.Line.Length + 1 > MaxChars)
                    {
                        Overflowed = true;
                    }
                    else if (!Overflowed)
                    {
                        _text.Append(output.Line).Append('\n');
                    }
                }
            }

            inner.On(runEvent);
        }
    }
}

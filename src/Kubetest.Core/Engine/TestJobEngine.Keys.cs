using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Engine;

/// <summary>The main step's keys: listing them (dynamic keys), running them over the plan's pods, the retest.</summary>
public sealed partial class TestJobEngine
{
    /// <summary>
    /// Runs the dynamic key template once and splits its standard output into keys. False when it
    /// failed, or (as bad input, exit 3) when no key came out without <c>--allow-empty</c> or a key
    /// holds a NUL: a CI job that tests nothing must not pass.
    /// </summary>
    private async Task<bool> ListKeysAsync(KeyListingStep step, RunContext run)
    {
        var dynamic = step.Source;
        var stdout = new OutputCapture();
        var result = await RunOnceAsync(step, dynamic.Template, dynamic.TtlSecondsAfterFinished, stdout, run).ConfigureAwait(false);
        if (result.Status != KeyStatus.Success)
        {
            run.Events.On(new LogEvent(LogLevel.Error, $"the command for dynamic keys failed: {Describe(result)}"));
            return false;
        }

        string? problem;
        if (stdout.Overflowed)
        {
            problem = $"the command for dynamic keys printed more than {OutputCapture.MaxChars / (1024 * 1024)} MiB on stdout; keys are read from at most that much";
        }
        else
        {
            var all = KeySplitter.Split(stdout.Text, dynamic.Delimiter);
            var keys = KeySplitter.Filter(all, dynamic.Filter);
            problem = KeySplitter.FirstWithNul(keys) is int nul ? $"key {nul + 1} of the dynamic key command's output contains a NUL character"
                : keys.Count > 0 || run.Options.AllowEmpty ? null
                : all.Count == 0 ? "no keys: the dynamic key command's output was empty (pass --allow-empty to accept a run without keys)"
                : $"no keys: the filter \"{Printable.Escape(dynamic.Filter ?? "")}\" matched none of the {all.Count} keys of the dynamic key command (pass --allow-empty to accept a run without keys)";
            run.ListedKeys = keys;
        }

        if (problem is not null)
        {
            run.BadInput = true;
            run.Events.On(new LogEvent(LogLevel.Error, problem));
            return false;
        }

        return true;
    }

    /// <summary>Runs the key step's pods all at once (its keys planned now if a listing step found them).</summary>
    private async Task<bool> RunKeysAsync(KeysStep step, RunContext run)
    {
        var dynamic = step.Keys is null;
        if (dynamic)
        {
            step = step.WithKeys(run.ListedKeys ?? throw new InvalidOperationException("a key step without keys must follow a key listing step"));
            run.Results.SetKeys(step.Keys!);
        }

        run.Keys = step;
        run.Events.On(new KeysFound(step.Keys!.Count, dynamic));
        await RunPodsAsync(step, step.Pods!, attempt: 1, run).ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs every failed key once more, each under the identity (pod index, container) it had.</summary>
    private async Task<bool> RetestAsync(RunContext run)
    {
        if (run.Keys is not { Pods: { } pods } step)
        {
            return true;
        }

        var failed = pods.SelectMany(p => p.Keys)
            .Where(k => run.Results.StatusOf(k.Index) is KeyStatus.Failure or KeyStatus.Error)
            .Select(k => k.Index)
            .ToHashSet();
        if (failed.Count > 0)
        {
            run.Events.On(new RetestStarted(failed.Count));
            await RunPodsAsync(step, Planner.Retest(pods, failed), attempt: 2, run).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Runs <paramref name="pods"/> all at once; each key's result is recorded under its identity.</summary>
    private async Task RunPodsAsync(KeysStep step, IReadOnlyList<PlannedPod> pods, int attempt, RunContext run)
    {
        var total = pods.Sum(p => p.Keys.Count);
        var finished = 0;
        var gate = new object();

        void OnFinished(PodTask task, TaskResult result)
        {
            lock (gate)
            {
                finished++;
                run.Results.Record(task.Key!.Index, result, attempt);
                run.Events.On(new TaskFinished(task.Id, result, finished, total));
            }
        }

        await Task.WhenAll(pods.Select(pod => RunPodAsync(step, pod, attempt, OnFinished, run))).ConfigureAwait(false);
    }

    private async Task RunPodAsync(KeysStep step, PlannedPod pod, int attempt, Action<PodTask, TaskResult> onFinished, RunContext run)
    {
        var tasks = pod.Keys.Select(k =>
        {
            var container = step.ContainerOf(k);
            return new PodTask(new TaskId(step, k.Key, attempt, "", container), container, step.KeyEnv, k);
        }).ToList();
        PodRequest request;
        try
        {
            request = run.Pods.ForKeys(step, pod);
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
            await new PodExecutor(runtime, run.Events, _artifacts, pod.PodIndex)
                .RunAsync(request, step.Template, tasks, pod.MaxConcurrent, onFinished, run.Cancellation)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !run.Cancellation.IsCancellationRequested)
        {
            // Once keys run, nothing may cost the run its report (a vanished API server, a pod gone):
            // this pod's keys that have no result are reported as unknown.
            run.Events.On(new LogEvent(LogLevel.Error, $"pod {request.GenerateName}…: {ex.Message}; its keys without a result are reported as unknown"));
            run.Events.On(new LogEvent(LogLevel.Debug, ex.ToString()));
        }
    }
}

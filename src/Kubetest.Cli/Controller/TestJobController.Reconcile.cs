using k8s.Autorest;

namespace Kubetest.Cli.Controller;

internal sealed partial class TestJobController
{
    /// <summary>Brings one TestJob a step closer to where it should be, from what the API server says now.</summary>
    private async Task ReconcileAsync(string key, CancellationToken stop)
    {
        var (ns, name) = Split(key);
        var resource = await api.GetAsync(ns, name, stop).ConfigureAwait(false);
        _runs.TryGetValue(key, out var active);
        if (resource is null || (active is not null && active.Resource.Uid != resource.Uid))
        {
            // Gone (or gone and made again): its run, if any, stops and cleans up; the new one is looked at when that has ended.
            StopRun(active, StopReason.Deleted);
            if (resource is null)
            {
                _waiting.Remove(key);
                _unwritten.Remove(key);
            }

            return;
        }

        if (resource.Deleting)
        {
            _waiting.Remove(key);
            if (active is not null)
            {
                if (active.StopReason is null)
                {
                    log.Line(LogLevel.Info, $"{key}: deleted during its run: stopping it");
                }

                StopRun(active, StopReason.Deleted);
                return;
            }

            if (resource.HasFinalizer)
            {
                await api.SetFinalizerAsync(resource, present: false, stop).ConfigureAwait(false);
            }

            return;
        }

        if (active is not null)
        {
            return;
        }

        if (_unwritten.TryGetValue(key, out var unwritten))
        {
            if (unwritten.Uid == resource.Uid && !resource.Finished)
            {
                // Its run ended here, and the API server failed the status then: write it now (kept, and tried again
                // later, if that fails too).
                await WriteOutcomeAsync(resource, unwritten.Status, stop).ConfigureAwait(false);
                _unwritten.Remove(key);
                return;
            }

            _unwritten.Remove(key);
        }

        if (resource.Finished)
        {
            // Nothing of a finished run is left to clean up: deleting it needs no controller.
            _waiting.Remove(key);
            if (resource.HasFinalizer)
            {
                await api.SetFinalizerAsync(resource, present: false, stop).ConfigureAwait(false);
            }

            return;
        }

        if (resource.Phase == nameof(TestJobPhase.Running))
        {
            await RecoverAsync(resource, stop).ConfigureAwait(false);
            return;
        }

        await StartOrQueueAsync(resource, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// A TestJob Running, but not by this controller: the one that ran it stopped (restarted, or lost its Lease)
    /// before the end. Its keys may have run, so it is never run again: it becomes Error, and its Jobs are deleted.
    /// </summary>
    private async Task RecoverAsync(TestJobObject resource, CancellationToken stop)
    {
        var runId = RunIds.For(resource);
        string cleanup;
        try
        {
            cleanup = $"{await api.DeleteRunJobsAsync(resource.Namespace, runId, stop).ConfigureAwait(false)} Jobs of run {runId} deleted";
        }
        catch (HttpOperationException ex)
        {
            // Marked Error all the same: its Jobs' pods end by themselves, and kubetest gc finds what is left.
            cleanup = $"the Jobs of run {runId} could not be deleted: {TestJobClient.Describe(ex)}; run kubetest gc";
        }

        var message = $"the controller running it stopped before the run ended (restarted, or lost its lease); its keys may have run, so it is not run again ({cleanup}): apply it again under a new name, or delete and re-create it, to rerun it";
        log.Once(LogLevel.Warn, $"{resource.Key}: {message}");
        await api.PatchStatusAsync(resource, StatusOf.Error(resource, message, DateTimeOffset.UtcNow), stop).ConfigureAwait(false);
        await Events.RecordAsync(api, resource, "Warning", "RunLost", message, log).ConfigureAwait(false);
        if (resource.HasFinalizer)
        {
            var current = await api.GetAsync(resource.Namespace, resource.Name, stop).ConfigureAwait(false);
            if (current is not null)
            {
                await api.SetFinalizerAsync(current, present: false, stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A new (or waiting) TestJob: checked as the CLI checks a manifest, then run when a slot is free, else Pending.</summary>
    private async Task StartOrQueueAsync(TestJobObject resource, CancellationToken stop)
    {
        RunSettings settings;
        TestJob job;
        IReadOnlyList<string> warnings;
        try
        {
            settings = RunSettings.Read(resource.Annotations);
            var loaded = ManifestLoader.Load(resource.ManifestText(), $"testjob {resource.Key}", settings.Templates);
            (job, warnings) = (loaded.Job, [.. loaded.Warnings.Select(w => w.ToString())]);
            policy.Refuse(job, resource.Namespace);
            if ((settings.KeyTimeout is not null || settings.FailFast) && job.Spec.MainStep.Strategy is null)
            {
                throw new UserInputException($"annotations {RunSettings.KeyTimeoutName} and {RunSettings.FailFastName} apply to keys, and the TestJob has no spec.mainStep.strategy");
            }
        }
        catch (UserInputException ex)
        {
            // Bad input runs nothing: the reason, as the CLI would print it, in the status and an Event.
            _waiting.Remove(resource.Key);
            log.Line(LogLevel.Warn, $"{resource.Key}: not run: {ex.Message}");
            await api.PatchStatusAsync(resource, StatusOf.Error(resource, ex.Message, null), stop).ConfigureAwait(false);
            await Events.RecordAsync(api, resource, "Warning", "InvalidSpec", ex.Message, log).ConfigureAwait(false);
            return;
        }

        if (!resource.HasFinalizer)
        {
            await api.SetFinalizerAsync(resource, present: true, stop).ConfigureAwait(false);
            resource = await api.GetAsync(resource.Namespace, resource.Name, stop).ConfigureAwait(false) ?? resource;
        }

        if (_runs.Count >= maxConcurrentRuns)
        {
            if (!_waiting.Contains(resource.Key))
            {
                _waiting.Add(resource.Key);
            }

            if (resource.Phase != nameof(TestJobPhase.Pending))
            {
                await api.PatchStatusAsync(resource, StatusOf.Pending(resource, $"waiting for a free run: {_runs.Count} of at most {maxConcurrentRuns} are running (--max-concurrent-runs)"), stop).ConfigureAwait(false);
            }

            return;
        }

        _waiting.Remove(resource.Key);
        var startedAt = DateTimeOffset.UtcNow;
        // Running is written before anything is created: a controller that finds it so after a restart knows keys may have run.
        await api.PatchStatusAsync(resource, StatusOf.Running(resource, startedAt), stop).ConfigureAwait(false);
        var run = new ActiveRun(resource);
        _runs[resource.Key] = run;
        log.Line(LogLevel.Info, $"{resource.Key}: run {RunIds.For(resource)} started ({_runs.Count} of at most {maxConcurrentRuns} running)");
        foreach (var warning in warnings)
        {
            log.Line(LogLevel.Warn, $"{resource.Key}: {warning}");
        }

        await Events.RecordAsync(api, resource, "Normal", "Started", $"run {RunIds.For(resource)} started by {identity}", log).ConfigureAwait(false);
        run.Task = Task.Run(() => ExecuteAsync(run, job, settings, startedAt), CancellationToken.None);
    }

    private static void StopRun(ActiveRun? run, StopReason reason)
    {
        if (run is null || run.StopReason is not null)
        {
            return;
        }

        run.StopReason = reason;
        run.Stop.Cancel();
    }

    private static (string Namespace, string Name) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (key[..slash], key[(slash + 1)..]);
    }
}

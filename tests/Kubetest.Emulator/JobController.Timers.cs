using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>What a Job does on its own over time: its deadline, and its removal after the TTL.</summary>
internal sealed partial class JobController
{
    /// <summary>Stops every pending deadline and TTL and waits for any that is running.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_timers.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    /// <summary>
    /// The Job ran longer than <c>activeDeadlineSeconds</c>: it fails with reason DeadlineExceeded
    /// and its running pods are deleted, as the real job controller does.
    /// </summary>
    private async Task ExceedDeadlineAsync(V1Job created)
    {
        var ns = created.Namespace();
        var failed = _store.UpdateJob(ns, created.Name(), job =>
        {
            if (job.Metadata.Uid != created.Metadata.Uid || job.Status.Active is not > 0)
            {
                return;
            }

            var now = DateTime.UtcNow;
            job.Status.Active = 0;
            job.Status.Failed = 1;
            job.Status.Conditions =
            [
                new V1JobCondition
                {
                    Type = "Failed",
                    Status = "True",
                    Reason = "DeadlineExceeded",
                    Message = "Job was active longer than specified deadline",
                    LastProbeTime = now,
                    LastTransitionTime = now,
                },
            ];
        });
        if (failed is null || failed.Status.Conditions?.FirstOrDefault()?.Reason != "DeadlineExceeded" || failed.Metadata.Uid != created.Metadata.Uid)
        {
            return;
        }

        foreach (var pod in Owned(ns, created.Metadata.Uid))
        {
            try
            {
                await DeletePodAsync(ns, pod.Name(), 0);
            }
            catch (StatusException)
            {
                // Deleted meanwhile.
            }
        }

        ExpireAfterTtl(failed);
    }

    /// <summary>A finished Job with <c>ttlSecondsAfterFinished</c> is deleted (its pods with it) once the TTL has passed.</summary>
    private void ExpireAfterTtl(V1Job finished)
    {
        if (finished.Spec.TtlSecondsAfterFinished is not { } ttl)
        {
            return;
        }

        After(TimeSpan.FromSeconds(ttl), async () =>
        {
            if (_store.GetJob(finished.Namespace(), finished.Name())?.Metadata.Uid != finished.Metadata.Uid)
            {
                return;
            }

            try
            {
                await DeleteAsync(finished.Namespace(), finished.Name(), "Background");
            }
            catch (StatusException)
            {
                // Someone deleted it first.
            }
        });
    }

    private List<V1Pod> Owned(string ns, string uid) =>
        _store.ListPods(ns).Items.Where(p => p.Metadata.OwnerReferences?.Any(o => o.Uid == uid) == true).ToList();

    /// <summary>Runs <paramref name="action"/> after <paramref name="delay"/> unless the emulator stops first; kept so that disposal waits for it.</summary>
    private void After(TimeSpan delay, Func<Task> action)
    {
        var token = _stopping.Token;
        var timer = Task.Run(
            async () =>
            {
                try
                {
                    await Task.Delay(delay, token);
                    await action();
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // The emulator stops.
                }
            },
            CancellationToken.None);
        _timers[timer] = 0;
        _ = timer.ContinueWith(t => _timers.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}

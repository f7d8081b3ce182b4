using System.Net;
using k8s.Autorest;
using Polly;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// Follows a Job's pod by list-then-watch (resuming from the last resourceVersion when a watch
/// drops) until its held containers run, or until its pre-init container runs. A pod that fails,
/// or that stays Pending past the timeout, becomes a <see cref="PodFailedException"/> that says why.
/// While it waits, <paramref name="notices"/> knows the pod and its reason.
/// </summary>
internal sealed class PodWaiter(IKubernetes client, string @namespace, ResiliencePipeline retry, TimeProvider time, PendingNotices notices)
{
    public Task<V1Pod> WaitRunningAsync(string jobName, IReadOnlyList<string> held, TimeSpan pendingTimeout, CancellationToken cancellationToken) =>
        WaitAsync(
            jobName,
            status => status.Phase == "Running" && held.All(h => IsRunning(status.ContainerStatuses, h)),
            pendingTimeout,
            cancellationToken);

    /// <summary>Until the pod's pre-init container runs, so kubetest can send it the pod's files.</summary>
    public Task<V1Pod> WaitPreInitAsync(string jobName, TimeSpan pendingTimeout, CancellationToken cancellationToken) =>
        WaitAsync(jobName, status => IsRunning(status.InitContainerStatuses, PreInit.ContainerName), pendingTimeout, cancellationToken);

    private static bool IsRunning(IList<V1ContainerStatus>? statuses, string container) =>
        statuses?.Any(c => c.Name == container && c.State?.Running is not null) == true;

    private async Task<V1Pod> WaitAsync(string jobName, Func<V1PodStatus, bool> ready, TimeSpan pendingTimeout, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(pendingTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var selector = $"job-name={jobName}";
        var reason = "waiting for the pod to be created";
        using var waiting = notices.Track(jobName);
        try
        {
            string? resourceVersion = null;
            while (true)
            {
                if (resourceVersion is null)
                {
                    var list = await retry.ExecuteAsync(
                        async ct => await client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: selector, cancellationToken: ct).ConfigureAwait(false),
                        linked.Token).ConfigureAwait(false);
                    foreach (var pod in list.Items)
                    {
                        waiting.Update(pod);
                        if (Check(pod, ready, ref reason) is { } running)
                        {
                            return running;
                        }
                    }

                    resourceVersion = list.Metadata.ResourceVersion;
                }

                try
                {
                    var watch = client.CoreV1.WatchListNamespacedPodAsync(@namespace, labelSelector: selector, resourceVersion: resourceVersion, onError: _ => { }, cancellationToken: linked.Token);
                    var events = 0;
                    await foreach (var (type, pod) in watch.ConfigureAwait(false))
                    {
                        events++;
                        if (type == WatchEventType.Error)
                        {
                            // Most often 410 Gone: the version is too old to resume from, so list again.
                            resourceVersion = null;
                            break;
                        }

                        resourceVersion = pod.Metadata?.ResourceVersion ?? resourceVersion;
                        if (type == WatchEventType.Deleted)
                        {
                            throw new PodFailedException($"pod {pod.Metadata?.Name} was deleted before it ran");
                        }

                        waiting.Update(pod);
                        if (Check(pod, ready, ref reason) is { } running)
                        {
                            return running;
                        }
                    }

                    // The server ended the watch (a timeout, a dropped connection): resume where it stopped,
                    // without hammering a server that keeps closing at once.
                    if (events == 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200), time, linked.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not PodFailedException && ApiRetry.IsTransient(ex))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), time, linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsGone(ex))
                {
                    resourceVersion = null;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PodFailedException($"the pod of job {jobName} stayed Pending for {Model.GoDuration.Format(pendingTimeout)} (--pending-timeout): {reason}");
        }
    }

    private static bool IsGone(Exception ex) =>
        ex is HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } || (ex is KubernetesException k && k.Status?.Code == 410);

    /// <summary>The pod once it is ready; throws when it can no longer get there.</summary>
    private static V1Pod? Check(V1Pod pod, Func<V1PodStatus, bool> ready, ref string reason)
    {
        var status = pod.Status;
        var name = pod.Metadata.Name;
        if (status?.Phase is "Failed" or "Succeeded")
        {
            throw new PodFailedException($"pod {name} ended ({status.Phase}) before kubetest could run its commands: {Describe(status)}");
        }

        if (status is not null && ready(status))
        {
            return pod;
        }

        reason = status is null ? "no status yet" : Describe(status);
        return null;
    }

    /// <summary>The most telling reason of a pod's state: a waiting or terminated container, or an unmet condition.</summary>
    internal static string Describe(V1PodStatus status)
    {
        var containers = (status.InitContainerStatuses ?? []).Concat(status.ContainerStatuses ?? []);
        foreach (var c in containers)
        {
            if (c.State?.Terminated is { ExitCode: not 0 } t)
            {
                return $"container {c.Name} exited with code {t.ExitCode}{(t.Reason is null ? "" : $" ({t.Reason})")}{(string.IsNullOrEmpty(t.Message) ? "" : $": {t.Message}")}";
            }

            if (c.State?.Waiting is { Reason: not (null or "ContainerCreating" or "PodInitializing") } w)
            {
                return $"container {c.Name}: {w.Reason}{(string.IsNullOrEmpty(w.Message) ? "" : $": {w.Message}")}";
            }
        }

        if (status.Conditions?.FirstOrDefault(c => c.Status == "False" && c.Reason is not null) is { } condition)
        {
            return $"{condition.Type}: {condition.Reason}{(string.IsNullOrEmpty(condition.Message) ? "" : $": {condition.Message}")}";
        }

        return status.Reason ?? status.Message ?? $"phase {status.Phase ?? "unknown"}";
    }
}

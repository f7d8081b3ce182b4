using System.Net;
using k8s.Autorest;
using Polly;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>One object <c>kubetest gc</c> looked at: <paramref name="Kind"/> is job or pod; <paramref name="Why"/> says why it goes or stays.</summary>
public sealed record Leftover(string Kind, string Name, string Namespace, string? RunId, string Why)
{
    public override string ToString() => $"{Kind}/{Name} in namespace {Namespace}{(RunId is null ? "" : $" (run {RunId})")}: {Why}";
}

/// <summary>
/// Finds and deletes what kubetest runs whose process is gone left in a namespace: Jobs labelled
/// <c>kubetest.io/testjob=true</c> and their pods. A Job goes when its owner ran on this host and
/// that process is gone (pid ended or reused), or, for another host's run, when its deadline has
/// passed; <c>olderThan</c> also takes Jobs that cannot be checked (another host's before their
/// deadline, Jobs without owner annotations) once they are that old. A live run's Jobs always stay.
/// </summary>
public sealed class Leftovers(IKubernetes client, string @namespace, TimeProvider time)
{
    private static readonly string Selector = $"{JobLifecycle.TestJobLabel}=true";
    private readonly ResiliencePipeline _retry = ApiRetry.Create(time, attempts: 4, maxDelay: TimeSpan.FromSeconds(2));

    public async Task<(IReadOnlyList<Leftover> Collect, IReadOnlyList<Leftover> Keep)> FindAsync(TimeSpan? olderThan, CancellationToken cancellationToken)
    {
        var jobs = await _retry.ExecuteAsync(async ct => await client.BatchV1.ListNamespacedJobAsync(@namespace, labelSelector: Selector, cancellationToken: ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var pods = await _retry.ExecuteAsync(async ct => await client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: Selector, cancellationToken: ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var collect = new List<Leftover>();
        var keep = new List<Leftover>();
        var jobVerdicts = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var job in jobs.Items.OrderBy(j => j.Metadata.Name, StringComparer.Ordinal))
        {
            var started = job.Status?.StartTime ?? job.Metadata.CreationTimestamp;
            var (gone, why) = Judge(job.Metadata, job.Spec?.ActiveDeadlineSeconds, started, olderThan, now);
            jobVerdicts[job.Metadata.Uid ?? job.Metadata.Name] = gone;
            (gone ? collect : keep).Add(new Leftover("job", job.Metadata.Name, @namespace, RunIdOf(job.Metadata), why));
        }

        foreach (var pod in pods.Items.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Kind == "Job");
            if (owner is not null && (jobVerdicts.TryGetValue(owner.Uid, out var ownerGone) || jobVerdicts.TryGetValue(owner.Name, out ownerGone)))
            {
                // A pod goes with its Job; deleting it too stops its processes now rather than when the garbage collector comes.
                if (ownerGone)
                {
                    collect.Add(new Leftover("pod", pod.Metadata.Name, @namespace, RunIdOf(pod.Metadata), $"its job {owner.Name} goes"));
                }

                continue;
            }

            var (gone, why) = Judge(pod.Metadata, pod.Spec?.ActiveDeadlineSeconds, pod.Status?.StartTime ?? pod.Metadata.CreationTimestamp, olderThan, now);
            (gone ? collect : keep).Add(new Leftover("pod", pod.Metadata.Name, @namespace, RunIdOf(pod.Metadata), why));
        }

        return (collect, keep);
    }

    /// <summary>Deletes one object found by <see cref="FindAsync"/>; one already gone is fine. Null, or why it could not be deleted.</summary>
    public async Task<string?> DeleteAsync(Leftover leftover, CancellationToken cancellationToken)
    {
        try
        {
            await _retry.ExecuteAsync(
                async ct =>
                {
                    if (leftover.Kind == "job")
                    {
                        await client.BatchV1.DeleteNamespacedJobAsync(leftover.Name, leftover.Namespace, propagationPolicy: "Background", cancellationToken: ct).ConfigureAwait(false);
                    }
                    else
                    {
                        await client.CoreV1.DeleteNamespacedPodAsync(leftover.Name, leftover.Namespace, gracePeriodSeconds: 0, cancellationToken: ct).ConfigureAwait(false);
                    }
                },
                cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException ex)
        {
            return $"the API server answered {(int)ex.Response.StatusCode} {KubernetesPodRuntime.StatusMessage(ex)}";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return ex.Message;
        }
    }

    /// <summary>Whether an object goes, and why (or why it stays).</summary>
    internal static (bool Gone, string Why) Judge(V1ObjectMeta metadata, long? deadlineSeconds, DateTime? started, TimeSpan? olderThan, DateTimeOffset now)
    {
        var created = metadata.CreationTimestamp is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : (DateTimeOffset?)null;
        var old = olderThan is { } limit && created is { } at && now - at > limit;
        var agePhrase = olderThan is { } l ? $"created {At(created)}, more than {l} ago" : "";
        if (JobLifecycle.OwnerOf(metadata) is not { } owner)
        {
            return old
                ? (true, $"no owner annotations; {agePhrase}")
                : (false, "no owner annotations (made by an older kubetest or another tool); --older-than collects it");
        }

        var who = $"kubetest pid {owner.Pid} on {owner.Host}, started {owner.StartedAt:yyyy-MM-dd'T'HH:mm:ss'Z'}";
        if (owner.IsOnThisHost)
        {
            return owner.IsAlive() ? (false, $"its {who} is running") : (true, $"its {who} is gone");
        }

        if (deadlineSeconds is { } seconds && started is { } s && now > new DateTimeOffset(DateTime.SpecifyKind(s, DateTimeKind.Utc)).AddSeconds(seconds))
        {
            return (true, $"its deadline passed ({who}, another host)");
        }

        return old
            ? (true, $"{who}, another host, cannot be checked from here; {agePhrase}")
            : (false, $"its {who}, another host, cannot be checked from here and its deadline has not passed; --older-than collects it");
    }

    private static string At(DateTimeOffset? at) => at is { } a ? a.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "at an unknown time";

    private static string? RunIdOf(V1ObjectMeta metadata) => metadata.Labels?.TryGetValue(JobLifecycle.RunLabel, out var id) == true ? id : null;
}

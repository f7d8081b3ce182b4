using System.Security.Cryptography;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>
/// The stand-in job controller: one pod per Job, the Job's status from its pod, cascading deletes,
/// <c>activeDeadlineSeconds</c> (the Job fails with DeadlineExceeded and its pods are deleted) and
/// <c>ttlSecondsAfterFinished</c> (a finished Job and its pods are deleted after the TTL).
/// </summary>
internal sealed partial class JobController : IAsyncDisposable
{
    private const string SuffixCharacters = "bcdfghjklmnpqrstvwxz2456789";

    private readonly Store _store;
    private readonly CancellationTokenSource _stopping = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _timers = new();

    public JobController(Store store) => _store = store;

    public Kubelet Kubelet { get; set; } = null!;

    public static string Suffix() => RandomNumberGenerator.GetString(SuffixCharacters, 5);

    public V1Job Create(string ns, V1Job job)
    {
        job.Metadata ??= new V1ObjectMeta();
        job.Metadata.NamespaceProperty ??= ns;
        if (job.Metadata.NamespaceProperty != ns)
        {
            throw Statuses.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        if (string.IsNullOrEmpty(job.Metadata.Name) && !string.IsNullOrEmpty(job.Metadata.GenerateName))
        {
            job.Metadata.Name = job.Metadata.GenerateName + Suffix();
        }

        Validation.Job(job);
        var uid = Guid.NewGuid().ToString();
        job.ApiVersion = "batch/v1";
        job.Kind = "Job";
        job.Metadata.Uid = uid;
        job.Metadata.CreationTimestamp = DateTime.UtcNow;
        job.Metadata.Generation = 1;
        var controllerLabels = new Dictionary<string, string>
        {
            ["batch.kubernetes.io/controller-uid"] = uid,
            ["batch.kubernetes.io/job-name"] = job.Metadata.Name,
            ["controller-uid"] = uid,
            ["job-name"] = job.Metadata.Name,
        };
        job.Metadata.Labels ??= new Dictionary<string, string> { ["job-name"] = job.Metadata.Name, ["controller-uid"] = uid };
        job.Spec.Selector ??= new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["batch.kubernetes.io/controller-uid"] = uid } };
        job.Spec.Template.Metadata ??= new V1ObjectMeta();
        var templateLabels = job.Spec.Template.Metadata.Labels ?? new Dictionary<string, string>();
        foreach (var (key, value) in controllerLabels)
        {
            templateLabels[key] = value;
        }

        job.Spec.Template.Metadata.Labels = templateLabels;
        job.Spec.BackoffLimit ??= 6;
        job.Spec.Completions ??= 1;
        job.Spec.Parallelism ??= 1;
        job.Status = new V1JobStatus { Active = 1, StartTime = DateTime.UtcNow };

        var created = _store.AddJob(job);
        var pod = NewPod(created);
        _store.AddPod(pod);
        Kubelet.Start(pod);
        if (created.Spec.ActiveDeadlineSeconds is { } deadline)
        {
            After(TimeSpan.FromSeconds(deadline), () => ExceedDeadlineAsync(created));
        }

        return created;
    }

    /// <summary>
    /// Deletes the Job and, unless <paramref name="propagationPolicy"/> is Orphan, its pods. Without
    /// a policy batch/v1 Jobs orphan their pods, as on a real API server (kubectl passes Background).
    /// </summary>
    public async Task<V1Job> DeleteAsync(string ns, string name, string? propagationPolicy)
    {
        propagationPolicy ??= "Orphan";
        var job = _store.RemoveJob(ns, name) ?? throw Statuses.NotFound("jobs", name, "batch");
        if (propagationPolicy is not null and not ("Background" or "Foreground" or "Orphan"))
        {
            throw Statuses.BadRequest($"unsupported propagationPolicy \"{propagationPolicy}\"");
        }

        var owned = _store.ListPods(ns).Items.Where(p => p.Metadata.OwnerReferences?.Any(o => o.Uid == job.Metadata.Uid) == true).ToList();
        if (propagationPolicy == "Orphan")
        {
            foreach (var pod in owned)
            {
                _store.UpdatePod(ns, pod.Name(), p => p.Metadata.OwnerReferences = null);
            }

            return job;
        }

        var deletions = owned.Select(p => DeletePodAsync(ns, p.Name(), null)).ToList();

        // Foreground waits for the dependents; Background lets the garbage collector go on alone.
        if (propagationPolicy == "Foreground")
        {
            await Task.WhenAll(deletions);
        }

        return job;
    }

    /// <summary>Marks the pod as terminating (MODIFIED), kills its processes, then removes it (DELETED).</summary>
    public async Task<V1Pod> DeletePodAsync(string ns, string name, long? gracePeriodSeconds)
    {
        var marked = _store.UpdatePod(ns, name, p =>
        {
            p.Metadata.DeletionTimestamp = DateTime.UtcNow;
            p.Metadata.DeletionGracePeriodSeconds = gracePeriodSeconds ?? p.Spec.TerminationGracePeriodSeconds ?? 30;
        }) ?? throw Statuses.NotFound("pods", name);

        await Kubelet.StopAsync(ns, name);
        _store.RemovePod(ns, name);
        OnPodGone(marked);
        return marked;
    }

    /// <summary>The kubelet says the pod ended: the Job completes or fails with it.</summary>
    public void OnPodFinished(V1Pod pod)
    {
        if (Owner(pod) is not { } owner)
        {
            return;
        }

        var succeeded = pod.Status.Phase == "Succeeded";
        var updated = _store.UpdateJob(pod.Namespace(), owner.Name, job =>
        {
            var now = DateTime.UtcNow;
            job.Status.Active = 0;
            job.Status.Succeeded = succeeded ? 1 : 0;
            job.Status.Failed = succeeded ? 0 : 1;
            job.Status.CompletionTime = succeeded ? now : null;
            job.Status.Conditions =
            [
                new V1JobCondition
                {
                    Type = succeeded ? "Complete" : "Failed",
                    Status = "True",
                    Reason = succeeded ? null : "BackoffLimitExceeded",
                    Message = succeeded ? null : "Job has reached the specified backoff limit",
                    LastProbeTime = now,
                    LastTransitionTime = now,
                },
            ];
        });
        if (updated is not null)
        {
            ExpireAfterTtl(updated);
        }
    }

    private void OnPodGone(V1Pod pod)
    {
        // A job whose running pod is deleted fails, as with backoffLimit 0 (no replacement pod).
        if (pod.Status.Phase is "Pending" or "Running" && Owner(pod) is { } owner && _store.GetJob(pod.Namespace(), owner.Name) is { Status.Active: > 0 })
        {
            pod.Status.Phase = "Failed";
            OnPodFinished(pod);
        }
    }

    private static V1OwnerReference? Owner(V1Pod pod) => pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Kind == "Job");

    private static V1Pod NewPod(V1Job job)
    {
        var template = Store.Clone(job.Spec.Template);
        var metadata = template.Metadata ?? new V1ObjectMeta();
        metadata.Name = job.Name() + "-" + Suffix();
        metadata.GenerateName = job.Name() + "-";
        metadata.NamespaceProperty = job.Namespace();
        metadata.Uid = Guid.NewGuid().ToString();
        metadata.CreationTimestamp = DateTime.UtcNow;
        metadata.OwnerReferences =
        [
            new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = job.Name(), Uid = job.Metadata.Uid, Controller = true, BlockOwnerDeletion = true },
        ];
        template.Spec.ServiceAccountName ??= "default";
        template.Spec.TerminationGracePeriodSeconds ??= 30;
        template.Spec.DnsPolicy ??= "ClusterFirst";
        template.Spec.SchedulerName ??= "default-scheduler";
        foreach (var container in (template.Spec.InitContainers ?? []).Concat(template.Spec.Containers))
        {
            container.ImagePullPolicy ??= "IfNotPresent";
            container.TerminationMessagePath ??= "/dev/termination-log";
            container.TerminationMessagePolicy ??= "File";
        }

        return new V1Pod { ApiVersion = "v1", Kind = "Pod", Metadata = metadata, Spec = template.Spec, Status = PodPhases.Created() };
    }
}

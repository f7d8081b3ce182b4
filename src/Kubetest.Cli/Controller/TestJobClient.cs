using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Kubetest.Runtime.Kubernetes;
using Polly;

namespace Kubetest.Cli.Controller;

/// <summary>
/// The controller's calls to the API server about TestJobs: read, follow, finalizers, status, events, the report. Each
/// call is retried when the answer is transient (429, 5xx, a dropped connection), as the runtime's are.
/// </summary>
internal sealed class TestJobClient(IKubernetes client, string? @namespace, string identity)
{
    /// <summary>Where the controller's Events come from (<c>source.component</c>).</summary>
    public const string Component = "kubetest-controller";

    private readonly ResiliencePipeline _retry = ApiRetry.Create(TimeProvider.System);

    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async token => await call(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    private async Task CallAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async token => await call(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public IKubernetes Kubernetes => client;

    /// <summary>The watched namespace, or null for all.</summary>
    public string? Namespace => @namespace;

    public async Task<(List<TestJobObject> Items, string? ResourceVersion)> ListAsync(CancellationToken cancellationToken)
    {
        var list = await CallAsync(
            token => @namespace is null
                ? client.CustomObjects.ListClusterCustomObjectAsync<JsonElement>(TestJobObject.Group, TestJobObject.Version, TestJobObject.Plural, cancellationToken: token)
                : client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(TestJobObject.Group, TestJobObject.Version, @namespace, TestJobObject.Plural, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        var items = list.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select(TestJobObject.Read).ToList()
            : [];
        var version = list.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
        return (items, version);
    }

    /// <summary>Names of the TestJobs that change from <paramref name="resourceVersion"/> on, as "namespace/name"; ends when the server ends the watch.</summary>
    public async IAsyncEnumerable<(WatchEventType Type, string? Key, string? ResourceVersion)> WatchAsync(string? resourceVersion, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = @namespace is null
            ? client.CustomObjects.WatchListClusterCustomObjectAsync(TestJobObject.Group, TestJobObject.Version, TestJobObject.Plural, resourceVersion: resourceVersion, onError: _ => { }, cancellationToken: cancellationToken)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(TestJobObject.Group, TestJobObject.Version, @namespace, TestJobObject.Plural, resourceVersion: resourceVersion, onError: _ => { }, cancellationToken: cancellationToken);
        await foreach (var (type, value) in events.ConfigureAwait(false))
        {
            var item = value is JsonElement element ? element : JsonSerializer.SerializeToElement(value);
            if (type == WatchEventType.Error)
            {
                yield return (type, null, null);
                yield break;
            }

            var meta = item.TryGetProperty("metadata", out var m) ? m : default;
            string? Field(string name) => meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var name = Field("name");
            yield return (type, name is null ? null : (Field("namespace") ?? "default") + "/" + name, Field("resourceVersion"));
        }
    }

    public async Task<TestJobObject?> GetAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var item = await CallAsync(token => client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(TestJobObject.Group, TestJobObject.Version, ns, TestJobObject.Plural, name, token), cancellationToken).ConfigureAwait(false);
            return TestJobObject.Read(item);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Adds or removes the controller's finalizer with an update from the object read: a 409 Conflict means it changed since, and is read again.</summary>
    public async Task SetFinalizerAsync(TestJobObject job, bool present, CancellationToken cancellationToken)
    {
        var raw = (JsonObject)job.Raw.DeepClone();
        var metadata = (JsonObject)raw["metadata"]!;
        var finalizers = job.Finalizers.Where(f => f != TestJobObject.Finalizer).ToList();
        if (present)
        {
            finalizers.Add(TestJobObject.Finalizer);
        }

        metadata["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)JsonValue.Create(f))]);
        raw.Remove("status");
        await CallAsync(token => client.CustomObjects.ReplaceNamespacedCustomObjectAsync(raw, TestJobObject.Group, TestJobObject.Version, job.Namespace, TestJobObject.Plural, job.Name, cancellationToken: token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Merges <paramref name="status"/> into the TestJob's status (its fields replace the stored ones; lists are replaced whole).</summary>
    public async Task PatchStatusAsync(TestJobObject job, Reporting.TestJobStatus status, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["status"] = JsonSerializer.SerializeToNode(status, Model.TestJobCrd.StatusJson) };
        var patch = new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch);
        await CallAsync(token => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, TestJobObject.Group, TestJobObject.Version, job.Namespace, TestJobObject.Plural, job.Name, cancellationToken: token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A core Event about <paramref name="job"/>, as <c>kubectl describe testjob</c> lists them.</summary>
    public async Task RecordAsync(TestJobObject job, string type, string reason, string message, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var item = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { GenerateName = job.Name[..Math.Min(job.Name.Length, 200)] + ".", NamespaceProperty = job.Namespace },
            InvolvedObject = new V1ObjectReference { ApiVersion = TestJobObject.ApiVersion, Kind = TestJobObject.Kind, Name = job.Name, NamespaceProperty = job.Namespace, Uid = job.Uid },
            Type = type,
            Reason = reason,
            // The API server refuses a message over 1 KiB.
            Message = Shorten(message, 1000),
            Source = new V1EventSource { Component = Component },
            ReportingComponent = "kubetest.io/controller",
            ReportingInstance = Shorten(identity, 128),
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        await CallAsync(token => client.CoreV1.CreateNamespacedEventAsync(item, job.Namespace, cancellationToken: token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the report ConfigMap, owned by the TestJob so the cluster deletes it with it, or replaces the one a restarted controller made.</summary>
    public async Task SaveReportAsync(TestJobObject job, V1ConfigMap map, CancellationToken cancellationToken)
    {
        map.Metadata.NamespaceProperty = job.Namespace;
        map.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = TestJobObject.ApiVersion, Kind = TestJobObject.Kind, Name = job.Name, Uid = job.Uid, Controller = true }];
        try
        {
            await CallAsync(token => client.CoreV1.CreateNamespacedConfigMapAsync(map, job.Namespace, cancellationToken: token), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            await CallAsync(token => client.CoreV1.ReplaceNamespacedConfigMapAsync(map, map.Metadata.Name, job.Namespace, cancellationToken: token), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the Jobs of run <paramref name="runId"/> (and their pods) in <paramref name="ns"/>; how many there were.</summary>
    public async Task<int> DeleteRunJobsAsync(string ns, string runId, CancellationToken cancellationToken)
    {
        var jobs = await CallAsync(token => client.BatchV1.ListNamespacedJobAsync(ns, labelSelector: $"{Runtime.JobLifecycle.RunLabel}={runId}", cancellationToken: token), cancellationToken).ConfigureAwait(false);
        foreach (var item in jobs.Items)
        {
            try
            {
                await CallAsync(token => client.BatchV1.DeleteNamespacedJobAsync(item.Metadata.Name, ns, propagationPolicy: "Background", cancellationToken: token), cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
            }
        }

        return jobs.Items.Count;
    }

    /// <summary>Whether the API server refused the call for want of a right (403), rather than failed it.</summary>
    public static bool IsForbidden(Exception ex) => ex is HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden };

    /// <summary>What the API server said, in one line, for logs and statuses.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        HttpOperationException http => $"the API server answered {(int)http.Response.StatusCode} {KubernetesPodRuntime.StatusMessage(http)}",
        _ => ex.Message,
    };

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

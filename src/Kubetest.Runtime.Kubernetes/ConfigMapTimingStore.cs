using System.Net;
using k8s.Autorest;
using Kubetest.Reporting;
using Polly;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// The timing store of a TestJob on a cluster: the gzip-compressed JSON under the binaryData key
/// <c>timings.json.gz</c> of the ConfigMap <c>kubetest-timings-&lt;testjob&gt;</c> in the run's namespace,
/// so that every CI machine that runs there shares it (compressed, a test-level suite fits in the 1 MiB).
/// Runs that end together are expected: an update is a read, the caller's change, and a replace that names the resourceVersion it read; the API server refuses it (409) when
/// another run wrote in between, and it starts over from a fresh read.
/// </summary>
public sealed partial class ConfigMapTimingStore(IKubernetes client, string @namespace, string testJobName) : ITimingStore
{
    public const string BinaryDataKey = "timings.json.gz";

    /// <summary>Where a kubetest before compression kept the plain JSON: still read, and replaced by the next write.</summary>
    public const string OldDataKey = "timings.json";

    /// <summary>Read-modify-write rounds before giving up on a ConfigMap that other runs keep changing.</summary>
    public const int Attempts = 5;

    // Not kubetest.io/testjob: kubetest gc deletes what carries that label, and the store has to outlive every run.
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string StoreLabel = "kubetest.io/store";
    public const string TestJobAnnotation = "kubetest.io/timings-of";

    private const string RbacHint = "the Role needs get, create, update on configmaps; see deploy/rbac.yaml";

    // The signature is the store's seam and takes no clock; the system's is the one a run has anyway.
    private readonly ResiliencePipeline _retry = ApiRetry.Create(TimeProvider.System, attempts: 4, maxDelay: TimeSpan.FromSeconds(2));

    public string ConfigMapName { get; } = ConfigMapNames.For(testJobName);

    public string Name => $"ConfigMap {@namespace}/{ConfigMapName}";

    public TimingLimits Limits => ConfigMapLimits;

    public async Task<string?> ReadAsync(CancellationToken cancellationToken) =>
        Document(await GetAsync(cancellationToken).ConfigureAwait(false));

    public async Task UpdateAsync(Func<string?, TimingLimits, string> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(cancellationToken).ConfigureAwait(false);
            string? text;
            try
            {
                text = Document(current);
            }
            catch (UnreadableTimingDocumentException)
            {
                // The read before the run warned about it already; the write replaces it.
                text = null;
            }

            var document = Compressed(text, update);
            try
            {
                if (current is null)
                {
                    await CallAsync("create", ct => client.CoreV1.CreateNamespacedConfigMapAsync(New(document), @namespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // current still holds the resourceVersion it was read at: that makes the replace conditional.
                    current.BinaryData = new Dictionary<string, byte[]>(current.BinaryData ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal) { [BinaryDataKey] = document };
                    if (current.Data?.Remove(OldDataKey) == true && current.Data.Count == 0)
                    {
                        current.Data = null;
                    }

                    current.Metadata.Labels = WithOwnLabels(current.Metadata.Labels);
                    await CallAsync("update", ct => client.CoreV1.ReplaceNamespacedConfigMapAsync(current, ConfigMapName, @namespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (ConcurrentChangeException ex)
            {
                if (attempt == Attempts)
                {
                    throw new TimingStoreException($"{Name}: cannot update it: other runs changed it {Attempts} times while this one tried to write it", ex.InnerException);
                }
            }

            // Full jitter that doubles (up to 0.1, 0.2, 0.4, 0.8 s): runs that collided spread out instead of colliding again in lockstep.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100 << (attempt - 1))), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<V1ConfigMap?> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync("get", ct => client.CoreV1.ReadNamespacedConfigMapAsync(ConfigMapName, @namespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    private V1ConfigMap New(byte[] document) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta
        {
            Name = ConfigMapName,
            NamespaceProperty = @namespace,
            Labels = WithOwnLabels(null),
            Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [TestJobAnnotation] = testJobName },
        },
        BinaryData = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [BinaryDataKey] = document },
    };

    private static Dictionary<string, string> WithOwnLabels(IDictionary<string, string>? labels) =>
        new(labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [ManagedByLabel] = "kubetest",
            [StoreLabel] = "timings",
        };

    /// <summary>One API call with retries of what is transient; every other failure becomes one line naming the store and the verb.</summary>
    private async Task<T> CallAsync<T>(string verb, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(async ct => await call(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound && verb == "get")
        {
            throw new NotFoundException();
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict && verb != "get")
        {
            // A replace on an old resourceVersion (Conflict), or a create that another run beat (AlreadyExists).
            throw new ConcurrentChangeException(ex);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new TimingStoreException($"{Name}: cannot {verb} configmaps in namespace {@namespace}: forbidden ({RbacHint})", ex);
        }
        catch (HttpOperationException ex)
        {
            throw new TimingStoreException($"{Name}: cannot {verb} it: the API server answered {(int)ex.Response.StatusCode} {OneLine(KubernetesPodRuntime.StatusMessage(ex))}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new TimingStoreException($"{Name}: cannot {verb} it: the API server did not answer ({OneLine(Innermost(ex).Message)})", ex);
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);

    private sealed class NotFoundException : Exception;

    private sealed class ConcurrentChangeException(Exception inner) : Exception(inner.Message, inner);
}

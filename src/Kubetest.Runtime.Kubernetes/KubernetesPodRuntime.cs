using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Polly;

namespace Kubetest.Runtime.Kubernetes;

public sealed record KubernetesRuntimeOptions(string Namespace, TimeSpan PendingTimeout);

/// <summary>
/// Runs pods as Kubernetes Jobs through the official client: one Job per pod of the plan, held
/// containers kept alive by a wait loop and driven by exec, files moved as tar over exec.
/// Disposing deletes every Job this runtime created that is still there.
/// </summary>
public sealed class KubernetesPodRuntime : IPodRuntime, IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly KubernetesRuntimeOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly PodWaiter _waiter;
    private readonly PodExec _exec;
    private readonly ConcurrentDictionary<string, string?> _jobs = new(StringComparer.Ordinal);

    public KubernetesPodRuntime(IKubernetes client, KubernetesRuntimeOptions options, TimeProvider time)
    {
        _client = client;
        _options = options;
        _retry = ApiRetry.Create(time);
        _waiter = new PodWaiter(client, options.Namespace, _retry, time);
        _exec = new PodExec(client, options.Namespace, time);
    }

    public string Name => "kubernetes";

    public async Task<IPod> StartPodAsync(PodRequest request, IOutputSink podOutput, CancellationToken cancellationToken)
    {
        if (request.Files.FirstOrDefault(f => !request.HeldContainers.Contains(f.Container)) is { } unsupported)
        {
            throw new PodFailedException($"the kubernetes runtime places kubetest's files only into the main containers; {unsupported.ContainerPath} is mounted into {unsupported.Container}");
        }

        var job = KubernetesJob.Create(request, _options.Namespace);

        // The name is chosen here, not by generateName, so a create retried after a lost reply
        // finds its own Job (409) instead of leaving a second one behind.
        job.Metadata.Name = request.GenerateName + RandomSuffix();
        job.Metadata.GenerateName = null;
        var jobName = job.Metadata.Name;
        _jobs[jobName] = null;
        try
        {
            await CreateAsync(job, cancellationToken).ConfigureAwait(false);
            var pod = await _waiter.WaitRunningAsync(jobName, request.HeldContainers, _options.PendingTimeout, cancellationToken).ConfigureAwait(false);
            var podName = pod.Metadata.Name;
            _jobs[jobName] = podName;
            var running = new KubernetesPod(_client, _options.Namespace, jobName, podName, _exec, _retry, name => _jobs.TryRemove(name, out _));
            foreach (var file in request.Files)
            {
                await running.CopyToAsync(file.Container, file.LocalPath, file.ContainerPath, cancellationToken).ConfigureAwait(false);
            }

            return running;
        }
        catch (Exception ex)
        {
            await KubernetesPod.DeleteJobAsync(_client, _options.Namespace, jobName, _jobs.GetValueOrDefault(jobName), _retry).ConfigureAwait(false);
            _jobs.TryRemove(jobName, out _);
            if (ex is HttpOperationException http)
            {
                throw new PodFailedException($"job {jobName}: the API server answered {(int)http.Response.StatusCode} {StatusMessage(http)}", ex);
            }

            if (ex is IOException)
            {
                throw new PodFailedException($"job {jobName}: {ex.Message}", ex);
            }

            throw;
        }
    }

    /// <summary>Deletes whatever is left (a run that was stopped mid-way).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (job, pod) in _jobs)
        {
            await KubernetesPod.DeleteJobAsync(_client, _options.Namespace, job, pod, _retry).ConfigureAwait(false);
        }

        _jobs.Clear();
        _exec.Dispose();
    }

    private async Task CreateAsync(V1Job job, CancellationToken cancellationToken)
    {
        var attempt = 0;
        try
        {
            await _retry.ExecuteAsync(
                async ct =>
                {
                    attempt++;
                    try
                    {
                        await _client.BatchV1.CreateNamespacedJobAsync(job, _options.Namespace, cancellationToken: ct).ConfigureAwait(false);
                    }
                    catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict && attempt > 1)
                    {
                        // An earlier attempt went through although its reply was lost.
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw new PodFailedException($"could not create job {job.Metadata.Name}: {(int)ex.Response.StatusCode} {StatusMessage(ex)}", ex);
        }
    }

    internal static string StatusMessage(HttpOperationException ex)
    {
        try
        {
            return KubernetesJson.Deserialize<V1Status>(ex.Response.Content)?.Message ?? ex.Message;
        }
        catch (System.Text.Json.JsonException)
        {
            return ex.Message;
        }
    }

    private static string RandomSuffix()
    {
        const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
    }
}

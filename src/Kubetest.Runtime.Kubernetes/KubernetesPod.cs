using k8s;
using k8s.Autorest;
using k8s.Models;
using Polly;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>A pod of a Job that kubetest created; disposing deletes the Job and its pod.</summary>
internal sealed class KubernetesPod(
    IKubernetes client,
    string @namespace,
    string jobName,
    string podName,
    PodExec exec,
    ResiliencePipeline retry,
    Action<string> onDeleted) : IPod
{
    private int _disposed;

    public string Name => podName;

    public Task<int> ExecAsync(string container, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> extraEnv, IOutputSink output, CancellationToken cancellationToken)
    {
        // Exec has no environment of its own: pass extra variables through env(1).
        IReadOnlyList<string> argv = extraEnv.Count == 0
            ? command
            : ["env", .. extraEnv.Select(kv => $"{kv.Key}={kv.Value}"), .. command];
        return exec.RunLinesAsync(podName, container, argv, output, cancellationToken);
    }

    public Task<IReadOnlyList<string>> CopyFromAsync(string container, string containerPath, string localPath, CancellationToken cancellationToken) =>
        new TarCopy(exec).CopyFromAsync(podName, container, containerPath, localPath, cancellationToken);

    public Task CopyToAsync(string container, string localPath, string containerPath, CancellationToken cancellationToken) =>
        new TarCopy(exec).CopyToAsync(podName, container, localPath, containerPath, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await DeleteJobAsync(client, @namespace, jobName, podName, retry).ConfigureAwait(false);
        onDeleted(jobName);
    }

    /// <summary>Deletes a Job and, in the background, its pods; one that is already gone is fine.</summary>
    internal static async Task DeleteJobAsync(IKubernetes client, string @namespace, string jobName, string? podName, ResiliencePipeline retry)
    {
        // Cleanup must finish even when the run was cancelled, so it takes no caller token.
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await retry.ExecuteAsync(
                async ct => await client.BatchV1.DeleteNamespacedJobAsync(jobName, @namespace, propagationPolicy: "Background", gracePeriodSeconds: 0, cancellationToken: ct).ConfigureAwait(false),
                limit.Token).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }

        // Background propagation leaves the pod to the garbage collector; delete it now so nothing lingers.
        if (podName is null)
        {
            return;
        }

        try
        {
            await retry.ExecuteAsync(
                async ct => await client.CoreV1.DeleteNamespacedPodAsync(podName, @namespace, gracePeriodSeconds: 0, cancellationToken: ct).ConfigureAwait(false),
                limit.Token).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }
    }
}

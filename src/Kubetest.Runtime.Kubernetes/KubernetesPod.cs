namespace Kubetest.Runtime.Kubernetes;

/// <summary>A pod of a Job that kubetest created; disposing deletes the Job and its pod.</summary>
internal sealed class KubernetesPod(
    string jobName,
    string podName,
    PodExec exec,
    JobCleanup cleanup) : IPod
{
    private int _disposed;

    public string Name => podName;

    public Task<int> ExecAsync(string container, IReadOnlyList<string> command, IOutputSink output, CancellationToken cancellationToken) =>
        exec.RunLinesAsync(podName, container, command, output, cancellationToken);

    public Task<IReadOnlyList<string>> CopyFromAsync(string container, string containerPath, string localPath, CancellationToken cancellationToken) =>
        new TarCopy(exec).CopyFromAsync(podName, container, containerPath, localPath, cancellationToken);

    public Task CopyToAsync(string container, string localPath, string containerPath, CancellationToken cancellationToken) =>
        new TarCopy(exec).CopyToAsync(podName, container, localPath, containerPath, cancellationToken);

    /// <summary>Deletes the Job and its pod; never throws: what could not be deleted stays with the runtime, which tries again and warns.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await cleanup.DeleteAsync(jobName).ConfigureAwait(false);
    }
}

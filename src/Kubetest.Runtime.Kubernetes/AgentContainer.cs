using System.IO.Pipelines;
using Grpc.Core;
using Kubetest.Agent.Client;
using Kubetest.Files;
using Kubetest.Model;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// A held container that runs kubetest-agent: its commands, copies in and copies out go over gRPC
/// to the agent at the pod's IP, never through the API server. Cancelling an exec cancels the call,
/// and the agent kills the command's whole process tree.
/// </summary>
internal sealed class AgentContainer(string pod, AgentEndpoint endpoint, AgentClient client) : IDisposable
{
    /// <summary>Attempts at a copy out whose call breaks midway (packing only reads, so it may run again).</summary>
    private const int CopyOutAttempts = 3;

    public string Name => endpoint.Container;

    public Uri Address => client.Address;

    /// <summary>Until the agent answers; a clear error naming the pod, address and what to do when it never does.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await client.WaitReadyAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new PodFailedException(
                $"kubetest-agent of container {Name} in pod {pod} did not answer at {Address} (port {endpoint.Port}) within {timeout.TotalSeconds:0} s: {ex.Message}. "
                + "kubetest connects to each agent at its pod's IP, so it must run where the cluster's pod network is reachable "
                + "(in a pod of the cluster, or on a machine routed into the pod network); from anywhere else remove agent: from the manifest, "
                + $"and commands run by exec through the API server. Also check that {endpoint.Spec.InstalledPath} exists in the image and that the container's log shows it listening",
                ex);
        }
        catch (AgentCallException ex)
        {
            throw new PodFailedException($"kubetest-agent of container {Name} in pod {pod} refused kubetest: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Runs a request as the original runs a command through its agent: the words as the argv, no <c>sh -c</c>
    /// (<see cref="ShellCommand.AgentArgv"/>: the image may have no shell; <c>$TASK_KEY</c> in args is not
    /// expanded), the environment in the agent's exec, and the time limit as the call's cancellation, which
    /// the agent answers by killing the command and everything it started, so no watchdog runs in the container.
    /// </summary>
    public async Task<ExecOutcome> RunAsync(ExecRequest request, IOutputSink output, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (request.Timeout is { } timeout)
        {
            limit.CancelAfter(timeout.Limit);
        }

        try
        {
            if (request.JUnitDirectory is { } directory)
            {
                await PrepareDirectoryAsync(directory, limit.Token).ConfigureAwait(false);
            }

            if (request.KeysFile is { } keys)
            {
                await WriteKeysAsync(keys, limit.Token).ConfigureAwait(false);
            }

            var environment = request.EnvironmentWithFiles;
            return new ExecOutcome(await ExecAsync(ShellCommand.AgentArgv(request.Command), environment.Count == 0 ? null : environment, output, limit.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (request.Timeout is not null && !cancellationToken.IsCancellationRequested)
        {
            return new ExecOutcome(KeyTimeout.ExitCode, TimedOut: true);
        }
    }

    /// <summary>
    /// What the <c>sh</c> wrapper's <c>mkdir -p</c> and <c>rm -f</c> do elsewhere: the directory exists and holds no
    /// older file (it is replaced by an empty one: it is kubetest's own, and a worker's batches run one after another).
    /// </summary>
    private async Task PrepareDirectoryAsync(string containerPath, CancellationToken cancellationToken)
    {
        var empty = Directory.CreateTempSubdirectory("kubetest-junit-dir-");
        try
        {
            await CopyToAsync(empty.FullName, containerPath, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            FileTree.Delete(empty.FullName);
        }
    }

    /// <summary>
    /// What the <c>sh</c> wrapper's <c>printf</c> does elsewhere: the batch's keys, one per line, in a directory of their own
    /// that replaces the older one (one call to the agent at the pod's IP, not through the API server; no shell needed).
    /// </summary>
    private async Task WriteKeysAsync(KeysFile keys, CancellationToken cancellationToken)
    {
        var slash = keys.Path.LastIndexOf('/');
        var local = Directory.CreateTempSubdirectory("kubetest-keys-");
        try
        {
            var file = Path.Combine(local.FullName, keys.Path[(slash + 1)..]);
            await File.WriteAllTextAsync(file, string.Concat(keys.Keys.Select(k => k + "\n")), cancellationToken).ConfigureAwait(false);
            await CopyToAsync(local.FullName, slash == 0 ? "/" : keys.Path[..slash], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            FileTree.Delete(local.FullName);
        }
    }

    /// <param name="environment">Added to the container's env for this command (the agent's exec carries it: no shell needed).</param>
    public async Task<int> ExecAsync(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment, IOutputSink output, CancellationToken cancellationToken)
    {
        var lines = new AgentLines(output);
        try
        {
            var exitCode = await client.ExecAsync(command, environment, null, lines, cancellationToken).ConfigureAwait(false);
            lines.Complete();
            return exitCode;
        }
        catch (AgentCallException ex) when (ex.Status is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            lines.Complete();
            throw new PodFailedException($"kubetest-agent of container {Name} in pod {pod} did not run the command: {ex.Message}", ex);
        }
        catch (AgentCallException ex)
        {
            // The call may have started the command: it is never run again (its key is unknown).
            lines.Complete();
            throw new PodFailedException($"lost the connection to kubetest-agent of container {Name} in pod {pod} after the command may have started ({ex.Message}); it is not run again", ex) { CommandMayHaveRun = true };
        }
    }

    /// <summary>Removes <paramref name="containerPath"/> through the agent (see <see cref="AgentClient.RemoveAsync"/>); an <see cref="IOException"/> when it cannot.</summary>
    public async Task RemoveAsync(string containerPath, CancellationToken cancellationToken)
    {
        try
        {
            await client.RemoveAsync(containerPath, cancellationToken).ConfigureAwait(false);
        }
        catch (AgentCallException ex)
        {
            throw new IOException($"could not remove {containerPath} in container {Name} of pod {pod}: {ex.Message}", ex);
        }
    }

    public async Task<IReadOnlyList<string>> CopyFromAsync(string containerPath, string localPath, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var receiver = new TarReceiver(localPath);
                await using (var archive = await client.CopyFromAsync(containerPath, cancellationToken).ConfigureAwait(false))
                {
                    // The extractor reads synchronously; off the caller's thread.
                    await Task.Run(() => receiver.Receive(archive, cancellationToken), cancellationToken).ConfigureAwait(false);
                }

                return receiver.Complete($"container {Name}", containerPath, containerPath, 0, string.Empty, cancellationToken);
            }
            catch (Exception ex) when (ex is AgentCallException or IOException and not FileNotFoundException && attempt < CopyOutAttempts && !cancellationToken.IsCancellationRequested)
            {
                // Packing only reads the container's files and a broken attempt's staging directory is thrown away.
            }
            catch (AgentCallException ex)
            {
                throw new IOException($"could not copy {containerPath} out of container {Name} of pod {pod}: {ex.Message}", ex);
            }
        }
    }

    public async Task CopyToAsync(string localPath, string containerPath, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        var packing = PackAsync(pipe.Writer, localPath, TarCommands.NameOf(containerPath), cancellationToken);
        try
        {
            await using var archive = pipe.Reader.AsStream();
            await client.CopyToAsync(containerPath, archive, cancellationToken).ConfigureAwait(false);
        }
        catch (AgentCallException ex)
        {
            throw new IOException($"could not copy {localPath} to {containerPath} in container {Name} of pod {pod}: {ex.Message}", ex);
        }
        finally
        {
            await packing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await packing.ConfigureAwait(false);
    }

    /// <summary>Tells the agent to exit 0 so its container completes, as ending the wait loop would; never throws.</summary>
    public async Task FinishAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.FinishAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AgentCallException or OperationCanceledException)
        {
            // The pod is deleted next anyway.
        }
    }

    public void Dispose() => client.Dispose();

    private static async Task PackAsync(PipeWriter writer, string localPath, string name, CancellationToken cancellationToken)
    {
        try
        {
            await using (var stream = writer.AsStream(leaveOpen: true))
            {
                await TarPacker.WriteAsync(stream, localPath, name, cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await writer.CompleteAsync(ex).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The agent's byte chunks cut into lines, as the exec path does.</summary>
    private sealed class AgentLines(IOutputSink sink) : IAgentOutput
    {
        private readonly OutputLines _stdout = new(OutputStream.Stdout, sink);
        private readonly OutputLines _stderr = new(OutputStream.Stderr, sink);

        public void Write(AgentOutputStream stream, ReadOnlySpan<byte> chunk) =>
            (stream == AgentOutputStream.Stdout ? _stdout : _stderr).Write(chunk);

        public void Complete()
        {
            _stdout.Complete();
            _stderr.Complete();
        }
    }
}

using Kubetest.Files;
using Kubetest.Model;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// Files into and out of containers as tar streams over exec (only <c>sh</c> and <c>tar</c> in the
/// image, no permission beyond pods/exec). Streams end to end: nothing is held in memory whole.
/// What comes out is extracted by <see cref="TarReceiver"/>, the same safe extractor as locally.
/// </summary>
internal sealed class TarCopy(PodExec exec)
{
    /// <summary>Attempts at a copy out whose connection is lost midway.</summary>
    private const int CopyOutAttempts = 3;

    public async Task<IReadOnlyList<string>> CopyFromAsync(string pod, string container, string containerPath, string localPath, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CopyFromOnceAsync(pod, container, containerPath, localPath, cancellationToken).ConfigureAwait(false);
            }
            catch (PodFailedException ex) when (ex.CommandMayHaveRun && attempt < CopyOutAttempts && !cancellationToken.IsCancellationRequested)
            {
                // Unlike a key's command, packing only reads the container's files, and a lost
                // attempt's partial archive is thrown away with its staging directory: running it
                // again is safe, and an artifact is worth a second try over a dropped connection.
            }
        }
    }

    private async Task<IReadOnlyList<string>> CopyFromOnceAsync(string pod, string container, string containerPath, string localPath, CancellationToken cancellationToken)
    {
        using var receiver = new TarReceiver(localPath);
        using var stderr = new TailStream();
        var exitCode = await exec.RunAsync(
            pod,
            container,
            TarCommands.Pack(containerPath),
            null,
            stdout => receiver.Receive(stdout, cancellationToken),
            stderrStream => stderrStream.CopyTo(stderr),
            cancellationToken).ConfigureAwait(false);
        return receiver.Complete($"container {container}", containerPath, containerPath, exitCode, stderr.ToString(), cancellationToken);
    }

    public async Task CopyToAsync(string pod, string container, string localPath, string containerPath, CancellationToken cancellationToken)
    {
        var name = TarCommands.NameOf(containerPath);
        using var stderr = new TailStream();
        var exitCode = await exec.RunAsync(
            pod,
            container,
            TarCommands.Unpack(containerPath),
            stdin => TarPacker.WriteAsync(stdin, localPath, name, cancellationToken),
            stdout => stdout.CopyTo(Stream.Null),
            stderrStream => stderrStream.CopyTo(stderr),
            cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new IOException($"could not copy {localPath} to {containerPath} in container {container} of pod {pod} (exit code {exitCode}): {Printable.Escape(stderr.ToString())}");
        }
    }

    /// <summary>Sends every file of the pod to its pre-init container in one tar stream, which lets the pre-init end and the pod's own containers start.</summary>
    public async Task FillPreInitAsync(string pod, PreInit preInit, CancellationToken cancellationToken)
    {
        using var stderr = new TailStream();
        var exitCode = await exec.RunAsync(
            pod,
            PreInit.ContainerName,
            preInit.FillCommand(),
            stdin => TarPacker.WriteAllAsync(stdin, preInit.Sources.Select((source, i) => (source, PreInit.EntryName(i))), cancellationToken),
            stdout => stdout.CopyTo(Stream.Null),
            stderrStream => stderrStream.CopyTo(stderr),
            cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new PodFailedException($"could not place kubetest's files in pod {pod}: its container {PreInit.ContainerName} (the image of the pod's main container) ended with exit code {exitCode}: {Printable.Escape(stderr.ToString())}");
        }
    }
}

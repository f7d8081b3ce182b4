using System.ComponentModel;
using System.IO.Pipelines;
using Kubetest.Files;
using Kubetest.Model;

namespace Kubetest.Runtime.Local;

/// <summary>A pod whose containers are processes on this machine. Tracks every process it started so disposing can end them all.</summary>
internal sealed class LocalPod : IStreamingPod
{
    // What a shell reports for a command it cannot find; exec of a missing binary looks the same to the user.
    private const int CommandNotFoundExitCode = 127;

    private static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    private readonly string _directory;
    private readonly IReadOnlyDictionary<string, Lazy<LocalContainer>> _containers;
    private readonly ProcessLauncher _launcher;
    private readonly Lock _lock = new();
    private readonly HashSet<RunningProcess> _running = [];
    private Task? _disposal;

    /// <param name="containers">Each container is set up (its mounts resolved, its files placed) when first used, as a kubelet sets up a container when it starts it: a subPath that an earlier init container fills is there by then.</param>
    public LocalPod(string name, string directory, IReadOnlyDictionary<string, Lazy<LocalContainer>> containers, ProcessLauncher launcher)
    {
        Name = name;
        _directory = directory;
        _containers = containers;
        _launcher = launcher;
    }

    public string Name { get; }

    public async Task<int> ExecAsync(string container, IReadOnlyList<string> command, IOutputSink output, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var target = Container(container);
        RunningProcess process;
        try
        {
            process = Launch(target, command, null, output);
        }
        catch (Win32Exception e)
        {
            output.WriteLine(OutputStream.Stderr, $"kubetest: cannot run {command[0]} in container {container}: {e.Message}");
            return CommandNotFoundExitCode;
        }

        return await process.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public IReadOnlyList<string> ContainerCommand(string container) => Container(container).Command();

    public async Task<int> ExecStreamAsync(string container, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> extraEnv, Stream? stdin, Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var target = Container(container);
        foreach (var message in target.Environment.Unavailable)
        {
            await stderr.WriteAsync(System.Text.Encoding.UTF8.GetBytes(message + "\n"), cancellationToken).ConfigureAwait(false);
        }

        RunningProcess process;
        try
        {
            var launch = _launcher.Create(target, command, target.Environment.With(extraEnv));
            process = Track(() => _launcher.StartStreaming(launch, stdin, stdout, stderr));
        }
        catch (Win32Exception e)
        {
            await stderr.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"kubetest: cannot run {command[0]} in container {container}: {e.Message}\n"), cancellationToken).ConfigureAwait(false);
            return CommandNotFoundExitCode;
        }

        return await process.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <c>tar</c> in the container (in its bwrap sandbox, as a kubelet's exec would) and extracts
    /// its output with <see cref="TarReceiver"/>: only what the container itself can see is read, and
    /// a link there comes out as a link instead of being followed on this machine.
    /// </summary>
    public async Task<IReadOnlyList<string>> CopyFromAsync(string container, string containerPath, string localPath, CancellationToken cancellationToken)
    {
        var target = Container(container);
        using var receiver = new TarReceiver(localPath);
        var archive = new Pipe();
        using var stderr = new TailStream();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var packedPath = PathForTar(target, containerPath);
        var tar = RunTarAsync(target, TarCommands.Pack(packedPath), null, archive.Writer.AsStream(), stderr, stop.Token);
        try
        {
            await Task.Run(() => receiver.Receive(archive.Reader.AsStream(), stop.Token), stop.Token).ConfigureAwait(false);
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await ((Task)tar).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        var exitCode = await tar.ConfigureAwait(false);
        return receiver.Complete($"container {container}", containerPath, packedPath, exitCode, stderr.ToString(), cancellationToken);
    }

    /// <summary>
    /// Replaces <paramref name="containerPath"/> with a copy of <paramref name="localPath"/>, unpacked
    /// by <c>tar</c> in the container's own sandbox: a link the container planted there can only lead
    /// where the container could write anyway.
    /// </summary>
    public async Task CopyToAsync(string container, string localPath, string containerPath, CancellationToken cancellationToken)
    {
        var target = Container(container);
        if (!target.FileSystem.Resolve(containerPath).Writable)
        {
            throw new InvalidOperationException(
                $"cannot copy to {containerPath} in container {container}: its root is read-only here, so the local runtime can only write inside a volume, the working directory or /tmp there");
        }

        if (!FileTree.Exists(localPath))
        {
            throw new FileNotFoundException($"{localPath} does not exist", localPath);
        }

        var archive = new Pipe();
        using var stderr = new TailStream();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var feeding = FeedTarAsync(archive.Writer, localPath, TarCommands.NameOf(containerPath), stop.Token);
        int exitCode;
        try
        {
            exitCode = await RunTarAsync(target, TarCommands.Unpack(PathForTar(target, containerPath)), archive.Reader.AsStream(), Stream.Null, stderr, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A tar that stopped reading early must not leave the writer waiting on a full pipe.
            await stop.CancelAsync().ConfigureAwait(false);
            await feeding.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (exitCode != 0)
        {
            throw new IOException($"could not copy {localPath} to {containerPath} in container {container} (exit code {exitCode}): {Printable.Escape(stderr.ToString())}");
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _disposal ??= DisposeCoreAsync();
            return new ValueTask(_disposal);
        }
    }

    /// <summary>Starts <paramref name="command"/> in a container and tracks it until it ends.</summary>
    internal RunningProcess Launch(LocalContainer container, IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? extraEnv, IOutputSink output)
    {
        foreach (var message in container.Environment.Unavailable)
        {
            output.WriteLine(OutputStream.Stderr, message);
        }

        var launch = _launcher.Create(container, command, container.Environment.With(extraEnv));
        return Track(() => _launcher.Start(launch, output));
    }

    /// <summary>Inside the sandbox tar sees container paths; without one the container's files are where their host paths are.</summary>
    private string PathForTar(LocalContainer container, string containerPath) =>
        _launcher.Mode == SandboxMode.Bwrap ? ContainerPaths.Normalize(containerPath) : container.FileSystem.Resolve(containerPath).HostPath;

    private async Task<int> RunTarAsync(LocalContainer container, IReadOnlyList<string> command, Stream? stdin, Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        // Disposing stdout ends the stream for its reader, also when tar could not start.
        await using (stdout.ConfigureAwait(false))
        {
            return await ExecStreamAsync(container.Name, command, NoEnvironment, stdin, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task FeedTarAsync(PipeWriter writer, string localPath, string name, CancellationToken cancellationToken)
    {
        var input = writer.AsStream();
        await using (input.ConfigureAwait(false))
        {
            await TarPacker.WriteAsync(input, localPath, name, cancellationToken).ConfigureAwait(false);
        }
    }

    private RunningProcess Track(Func<RunningProcess> start)
    {
        RunningProcess process;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposal is not null, this);
            process = start();
            _running.Add(process);
        }

        _ = process.Completion.ContinueWith(
            _ =>
            {
                lock (_lock)
                {
                    _running.Remove(process);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return process;
    }

    internal LocalContainer Container(string name) =>
        _containers.TryGetValue(name, out var container)
            ? container.Value
            : throw new ArgumentException($"pod {Name} has no container {name}", nameof(name));

    private async Task DisposeCoreAsync()
    {
        RunningProcess[] running;
        lock (_lock)
        {
            running = [.. _running];
        }

        foreach (var process in running)
        {
            process.Kill();
        }

        foreach (var process in running)
        {
            await ((Task)process.Completion).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await Task.Run(() => FileTree.Delete(_directory)).ConfigureAwait(false);
    }
}

using System.ComponentModel;

namespace Kubetest.Runtime.Local;

/// <summary>A pod whose containers are processes on this machine. Tracks every process it started so disposing can end them all.</summary>
internal sealed class LocalPod : IStreamingPod
{
    // What a shell reports for a command it cannot find; exec of a missing binary looks the same to the user.
    private const int CommandNotFoundExitCode = 127;

    private readonly string _directory;
    private readonly IReadOnlyDictionary<string, LocalContainer> _containers;
    private readonly ProcessLauncher _launcher;
    private readonly Lock _lock = new();
    private readonly HashSet<RunningProcess> _running = [];
    private Task? _disposal;

    public LocalPod(string name, string directory, IReadOnlyDictionary<string, LocalContainer> containers, ProcessLauncher launcher)
    {
        Name = name;
        _directory = directory;
        _containers = containers;
        _launcher = launcher;
    }

    public string Name { get; }

    public async Task<int> ExecAsync(string container, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> extraEnv, IOutputSink output, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var target = Container(container);
        RunningProcess process;
        try
        {
            process = Launch(target, command, extraEnv, output);
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
            var startInfo = _launcher.Create(target, command, target.Environment.With(extraEnv));
            process = Track(() => _launcher.StartStreaming(startInfo, stdin, stdout, stderr));
        }
        catch (Win32Exception e)
        {
            await stderr.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"kubetest: cannot run {command[0]} in container {container}: {e.Message}\n"), cancellationToken).ConfigureAwait(false);
            return CommandNotFoundExitCode;
        }

        return await process.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task CopyFromAsync(string container, string containerPath, string localPath, CancellationToken cancellationToken)
    {
        var source = Container(container).FileSystem.Resolve(containerPath);
        if (!FileTree.Exists(source.HostPath))
        {
            throw new FileNotFoundException($"container {container} has nothing at {containerPath}", containerPath);
        }

        return Task.Run(() => FileTree.Copy(source.HostPath, localPath), cancellationToken);
    }

    public Task CopyToAsync(string container, string localPath, string containerPath, CancellationToken cancellationToken)
    {
        var target = Container(container).FileSystem.Resolve(containerPath);
        if (!target.Writable)
        {
            throw new InvalidOperationException(
                $"cannot copy to {containerPath} in container {container}: the local runtime can only write inside a volume, the working directory or /tmp there");
        }

        if (!FileTree.Exists(localPath))
        {
            throw new FileNotFoundException($"{localPath} does not exist", localPath);
        }

        return Task.Run(() => FileTree.Copy(localPath, target.HostPath), cancellationToken);
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

        var startInfo = _launcher.Create(container, command, container.Environment.With(extraEnv));
        return Track(() => _launcher.Start(startInfo, output));
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
            ? container
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

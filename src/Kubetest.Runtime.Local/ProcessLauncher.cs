using System.Diagnostics;

namespace Kubetest.Runtime.Local;

/// <summary>Turns "run this argv in that container" into a <see cref="ProcessStartInfo"/> for the sandbox mode.</summary>
internal sealed class ProcessLauncher
{
    private readonly SandboxMode _mode;
    private readonly string? _bwrap;
    private readonly IHostFileSystem _host;
    private readonly bool _persistentRoots;
    private readonly ProcessSpawner _spawner = new();

    /// <param name="persistentRoots">Whether each container keeps its own writable root across execs (see <see cref="LocalPodRuntime"/>).</param>
    public ProcessLauncher(SandboxMode mode, string? bwrap, IHostFileSystem host, bool persistentRoots = false)
    {
        _persistentRoots = persistentRoots;
        _mode = mode;
        _bwrap = bwrap;
        _host = host;
    }

    public SandboxMode Mode => _mode;

    public RunningProcess Start(ProcessStartInfo startInfo, IOutputSink output) => _spawner.Start(startInfo, output);

    public RunningProcess StartStreaming(ProcessStartInfo startInfo, Stream? stdin, Stream stdout, Stream stderr) =>
        _spawner.Start(() => RunningProcess.StartStreaming(startInfo, stdin, stdout, stderr));

    public IReadOnlyList<string> SandboxArguments(ContainerFileSystem fileSystem, string hostname)
    {
        if (_mode != SandboxMode.Bwrap)
        {
            return [];
        }

        var host = fileSystem.Image is { } image ? new ImageFileSystem(image.RootDirectory) : _host;
        if (!_persistentRoots)
        {
            return BwrapArguments.Build(host, fileSystem.Mounts, fileSystem.WorkingDir, hostname);
        }

        var root = Directory.CreateDirectory(fileSystem.RootDirectory).FullName;
        return BwrapArguments.Build(host, fileSystem.Mounts, fileSystem.WorkingDir, hostname, root, (path, target) => MakeRootLink(root, path, target));
    }

    /// <summary>Makes the link <paramref name="path"/> (directly under the container's root) once; it stays for the container's life.</summary>
    private static void MakeRootLink(string rootDirectory, string path, string target)
    {
        var link = Path.Combine(rootDirectory, path.TrimStart('/'));
        if (new FileInfo(link).LinkTarget is null)
        {
            File.CreateSymbolicLink(link, target);
        }
    }

    public ProcessStartInfo Create(LocalContainer container, IReadOnlyList<string> command, Dictionary<string, string> environment)
    {
        if (command.Count == 0)
        {
            throw new ArgumentException($"empty command for container {container.Name}", nameof(command));
        }

        ProcessStartInfo startInfo;
        if (_mode == SandboxMode.Bwrap)
        {
            // bwrap looks the command up on the PATH we give it, inside the sandbox.
            startInfo = new ProcessStartInfo(_bwrap!) { WorkingDirectory = "/" };
            foreach (var argument in container.SandboxArguments)
            {
                startInfo.ArgumentList.Add(argument);
            }

            startInfo.ArgumentList.Add("--");
            foreach (var argument in command)
            {
                startInfo.ArgumentList.Add(argument);
            }
        }
        else
        {
            // .NET would search the runtime's own PATH; the container's PATH is the one that counts.
            environment.TryGetValue("PATH", out var path);
            var program = command[0].Contains('/', StringComparison.Ordinal)
                ? Path.Combine(container.FileSystem.HostWorkingDir, command[0])
                : LocalSandbox.FindOnPath(command[0], path) ?? command[0];
            startInfo = new ProcessStartInfo(program) { WorkingDirectory = container.FileSystem.HostWorkingDir };
            foreach (var argument in command.Skip(1))
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        startInfo.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        return startInfo;
    }
}

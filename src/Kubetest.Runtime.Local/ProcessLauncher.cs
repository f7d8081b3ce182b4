using System.Diagnostics;

namespace Kubetest.Runtime.Local;

/// <summary>Turns "run this argv in that container" into a <see cref="ProcessStartInfo"/> for the sandbox mode.</summary>
internal sealed class ProcessLauncher
{
    private readonly SandboxMode _mode;
    private readonly string? _bwrap;
    private readonly IHostFileSystem _host;
    private readonly bool _persistentRoots;
    private readonly CopyOnWriteRoot? _copyOnWrite;
    private readonly ProcessSpawner _spawner = new();

    /// <param name="persistentRoots">Whether each container keeps its own writable root across execs (see <see cref="LocalPodRuntime"/>).</param>
    /// <param name="copyOnWrite">How containers get a writable copy-on-write view of the host; null for the read-only view.</param>
    public ProcessLauncher(SandboxMode mode, string? bwrap, IHostFileSystem host, bool persistentRoots = false, CopyOnWriteRoot? copyOnWrite = null)
    {
        _persistentRoots = persistentRoots;
        _copyOnWrite = mode == SandboxMode.Bwrap ? copyOnWrite : null;
        _mode = mode;
        _bwrap = bwrap;
        _host = host;
    }

    public SandboxMode Mode => _mode;

    /// <summary>Whether containers that do not ask for a read-only root get a writable copy-on-write one.</summary>
    public bool CopyOnWrite => _copyOnWrite is not null;

    public RunningProcess Start(Launch launch, IOutputSink output) =>
        CleanUpAfter(launch, _spawner.Start(launch.StartInfo, output));

    public RunningProcess StartStreaming(Launch launch, Stream? stdin, Stream stdout, Stream stderr) =>
        CleanUpAfter(launch, _spawner.Start(() => RunningProcess.StartStreaming(launch.StartInfo, stdin, stdout, stderr)));

    public SandboxCommand SandboxArguments(ContainerFileSystem fileSystem, string hostname)
    {
        if (_mode != SandboxMode.Bwrap)
        {
            return SandboxCommand.None;
        }

        var host = fileSystem.Image is { } image ? new ImageFileSystem(image.RootDirectory) : _host;
        if (_copyOnWrite is not null && fileSystem.RootIsWritable)
        {
            return CopyOnWriteArguments(_copyOnWrite, fileSystem, host, hostname);
        }

        if (!_persistentRoots)
        {
            return new SandboxCommand([], BwrapArguments.Build(host, fileSystem.Mounts, fileSystem.WorkingDir, hostname));
        }

        var root = Directory.CreateDirectory(fileSystem.RootDirectory).FullName;
        return new SandboxCommand([], BwrapArguments.Build(host, fileSystem.Mounts, fileSystem.WorkingDir, hostname, root, (path, target) => MakeRootLink(root, path, target)));
    }

    /// <summary>
    /// The container's overlays (each with its upper directory, kept for the container's life, and
    /// its mount point in the container's state directory) and the bwrap arguments that bind them.
    /// </summary>
    private SandboxCommand CopyOnWriteArguments(CopyOnWriteRoot copyOnWrite, ContainerFileSystem fileSystem, IHostFileSystem host, string hostname)
    {
        var lowers = fileSystem.Image is { } image
            ? [("/", image.RootDirectory)]
            : copyOnWrite.Overlaid.Select(path => (ContainerPath: path, Lower: path)).ToList();
        var overlays = new List<SandboxOverlay>(lowers.Count);
        foreach (var (containerPath, lower) in lowers)
        {
            var name = overlays.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            overlays.Add(new SandboxOverlay(
                containerPath,
                lower,
                Directory.CreateDirectory(Path.Combine(fileSystem.CopyOnWriteDirectory, "upper", name)).FullName,
                Directory.CreateDirectory(Path.Combine(fileSystem.CopyOnWriteDirectory, "mnt", name)).FullName));
        }

        Directory.CreateDirectory(Path.Combine(fileSystem.CopyOnWriteDirectory, "work"));
        var rootOverlaid = overlays.Any(o => o.ContainerPath == "/");
        var root = !rootOverlaid && _persistentRoots ? Directory.CreateDirectory(fileSystem.RootDirectory).FullName : null;
        var targets = overlays.ToDictionary(o => o.ContainerPath, o => o.Target, StringComparer.Ordinal);
        var readOnly = rootOverlaid && fileSystem.Image is null ? copyOnWrite.OtherMounts : [];
        var arguments = BwrapArguments.Build(
            host,
            fileSystem.Mounts,
            fileSystem.WorkingDir,
            hostname,
            root,
            root is null ? null : (path, target) => MakeRootLink(root, path, target),
            new SandboxOverlays(targets, readOnly),
            (path, target) => PlaceLinkInOverlay(overlays, path, target));
        return new SandboxCommand(overlays, arguments);
    }

    /// <summary>A link inside an overlay is made once in its upper directory, where it stays for the container's life.</summary>
    private static bool PlaceLinkInOverlay(IReadOnlyList<SandboxOverlay> overlays, string path, string target)
    {
        // A link standing where an overlay would be bound (a top-level directory) replaces it: bwrap makes it in the root.
        var overlay = overlays.Where(o => ContainerPaths.IsStrictlyUnder(path, o.ContainerPath)).MaxBy(o => o.ContainerPath.Length);
        if (overlay is null)
        {
            return false;
        }

        var relative = ContainerPaths.Relative(path, overlay.ContainerPath);
        var parent = FileTree.CreateDirectoryBelow(overlay.Upper, ContainerPaths.Parent("/" + relative)[1..]);
        var link = Path.Combine(parent, Path.GetFileName(relative));
        if (FileTree.KindOf(link) == EntryKind.Missing)
        {
            File.CreateSymbolicLink(link, target);
        }

        return true;
    }

    private static RunningProcess CleanUpAfter(Launch launch, RunningProcess process)
    {
        if (launch.Scratch is { } scratch)
        {
            _ = process.Completion.ContinueWith(
                _ =>
                {
                    try
                    {
                        FileTree.Delete(scratch);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // It is in the pod's directory, removed with the pod.
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
        }

        return process;
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

    public Launch Create(LocalContainer container, IReadOnlyList<string> command, Dictionary<string, string> environment)
    {
        if (command.Count == 0)
        {
            throw new ArgumentException($"empty command for container {container.Name}", nameof(command));
        }

        ProcessStartInfo startInfo;
        string? scratch = null;
        if (_mode == SandboxMode.Bwrap && container.Sandbox.Overlays.Count > 0)
        {
            // The helper mounts the overlays in a namespace of the sandbox's own, then becomes bwrap.
            // Each exec's overlays get work directories of their own (two execs may overlap), removed after it.
            scratch = Path.Combine(container.FileSystem.CopyOnWriteDirectory, "work", container.NextExecNumber().ToString(System.Globalization.CultureInfo.InvariantCulture));
            startInfo = new ProcessStartInfo(_copyOnWrite!.Helper) { WorkingDirectory = "/" };
            foreach (var argument in _copyOnWrite.Arguments(scratch, container.Sandbox.Overlays))
            {
                startInfo.ArgumentList.Add(argument);
            }

            startInfo.ArgumentList.Add(_bwrap!);
            AddSandboxArguments(startInfo, container, command);
        }
        else if (_mode == SandboxMode.Bwrap)
        {
            // bwrap looks the command up on the PATH we give it, inside the sandbox.
            startInfo = new ProcessStartInfo(_bwrap!) { WorkingDirectory = "/" };
            AddSandboxArguments(startInfo, container, command);
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

        return new Launch(startInfo, scratch);
    }

    private static void AddSandboxArguments(ProcessStartInfo startInfo, LocalContainer container, IReadOnlyList<string> command)
    {
        foreach (var argument in container.Sandbox.BwrapArguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.ArgumentList.Add("--");
        foreach (var argument in command)
        {
            startInfo.ArgumentList.Add(argument);
        }
    }
}

/// <summary>A process to start, and a directory of its own to remove once it has ended.</summary>
internal sealed record Launch(ProcessStartInfo StartInfo, string? Scratch);

/// <summary>One overlay of a container: <paramref name="Lower"/> (host) seen at <paramref name="ContainerPath"/>, its writes in <paramref name="Upper"/>, mounted on <paramref name="Target"/> for bwrap to bind.</summary>
internal sealed record SandboxOverlay(string ContainerPath, string Lower, string Upper, string Target);

/// <summary>How a container's commands are wrapped: its overlays (none for the read-only view) and bwrap's arguments before "--".</summary>
internal sealed record SandboxCommand(IReadOnlyList<SandboxOverlay> Overlays, IReadOnlyList<string> BwrapArguments)
{
    public static SandboxCommand None { get; } = new([], []);
}

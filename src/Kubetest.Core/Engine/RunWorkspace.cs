using System.Text.Json;

namespace Kubetest.Engine;

/// <summary>
/// The run's private directory: artifacts, the log file, the report, the local runtime's pods.
/// Deleted when the run ends; it names its owner (pid and process start time) in a file of its
/// own, so that what a killed run left can be told from a live run's directory and removed later.
/// </summary>
public sealed class RunWorkspace : IDisposable
{
    /// <summary>Every workspace is a directory called <c>kubetest-…</c> in the temp directory.</summary>
    public const string Prefix = "kubetest-";

    /// <summary>The owner file in a workspace: the <see cref="RunOwner"/> as JSON.</summary>
    public const string OwnerFile = ".kubetest-owner.json";

    private RunWorkspace(string root)
    {
        Root = root;
        Directory.CreateDirectory(ArtifactsDirectory);
        Directory.CreateDirectory(PodsDirectory);
    }

    public string Root { get; }

    public string ArtifactsDirectory => Path.Combine(Root, "artifacts");

    public string PodsDirectory => Path.Combine(Root, "pods");

    /// <summary>The run's log, for <c>log: {}</c> volumes.</summary>
    public string LogPath => Path.Combine(Root, "kubetest.log");

    /// <summary>The main step's report, for <c>report: {format: json}</c> volumes.</summary>
    public string ReportPath => Path.Combine(Root, "report.json");

    public static RunWorkspace Create(string parent, RunOwner owner)
    {
        var root = Path.Combine(parent, $"{Prefix}{Guid.NewGuid():N}"[..21]);

        // The owner's alone: a container's files land below (volumes, /tmp, its copy-on-write layer), and one
        // running as root can make a set-user-ID file there, which no other user of the machine may reach.
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root);
        }
        else
        {
            Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Written whole under another name first: a directory without its owner file is never
        // taken for a stale one, so a run that is being created is safe from another's sweep.
        var temporary = Path.Combine(root, OwnerFile + ".tmp");
        File.WriteAllText(temporary, JsonSerializer.Serialize(owner));
        File.Move(temporary, Path.Combine(root, OwnerFile));
        return new RunWorkspace(root);
    }

    /// <summary>
    /// Workspaces in <paramref name="parent"/> whose owner ran on this host and is gone (its pid
    /// ended, or is now another process). A workspace without a readable owner file, of another
    /// host, or of a live process is never among them; nor is a symbolic link.
    /// </summary>
    public static IReadOnlyList<(string Path, RunOwner Owner)> FindStale(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return [];
        }

        var stale = new List<(string, RunOwner)>();
        foreach (var directory in new DirectoryInfo(parent).EnumerateDirectories(Prefix + "*"))
        {
            if (directory.LinkTarget is not null || ReadOwner(directory.FullName) is not { } owner)
            {
                continue;
            }

            if (owner.IsOnThisHost && !owner.IsAlive())
            {
                stale.Add((directory.FullName, owner));
            }
        }

        return stale;
    }

    /// <summary>Removes the stale workspaces of <see cref="FindStale"/>; returns each with null, or why it could not be removed.</summary>
    public static IReadOnlyList<(string Path, string? Error)> RemoveStale(string parent)
    {
        var removed = new List<(string, string?)>();
        foreach (var (path, _) in FindStale(parent))
        {
            try
            {
                FileTree.Delete(path);
                removed.Add((path, null));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                removed.Add((path, ex.Message));
            }
        }

        return removed;
    }

    /// <summary>Deletes the workspace; never throws. Returns null, or why it (or part of it) is still there.</summary>
    public string? TryDelete()
    {
        try
        {
            FileTree.Delete(Root);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    public void Dispose() => TryDelete();

    private static RunOwner? ReadOwner(string directory)
    {
        try
        {
            return JsonSerializer.Deserialize<RunOwner>(File.ReadAllText(Path.Combine(directory, OwnerFile)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}

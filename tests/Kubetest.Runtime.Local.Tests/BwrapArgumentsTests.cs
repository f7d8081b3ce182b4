using Kubetest.Runtime.Local;

namespace Kubetest.Runtime.Local.Tests;

public class BwrapArgumentsTests
{
    private static readonly FakeHost Host = new(
        directories: ["/", "/usr", "/usr/bin", "/usr/local", "/usr/local/bin", "/usr/lib", "/etc", "/work", "/work/repo", "/proc", "/dev", "/tmp", "/sys"],
        files: ["/etc/hosts", "/work/readme"],
        symlinks: new() { ["/bin"] = "usr/bin", ["/lib"] = "usr/lib" });

    [Fact]
    public void The_host_top_level_is_bound_read_only_with_symlinks_recreated_and_fresh_proc_dev()
    {
        var args = Operations(BwrapArguments.Build(Host, [], "/", "pod"));

        Assert.Contains("--tmpfs /", args);
        Assert.Contains("--ro-bind /usr /usr", args);
        Assert.Contains("--ro-bind /etc /etc", args);
        Assert.Contains("--symlink usr/bin /bin", args);
        Assert.Contains("--proc /proc", args);
        Assert.Contains("--dev /dev", args);
        Assert.DoesNotContain("--ro-bind /proc /proc", args);
        Assert.DoesNotContain("--ro-bind /tmp /tmp", args);
    }

    [Fact]
    public void A_mount_under_an_existing_read_only_directory_rebuilds_that_directory_as_tmpfs_first()
    {
        var mounts = new[] { new Mount("/usr/local/kubetest-test-mnt", "/state/vol", ReadOnly: false, IsDirectory: true) };

        var args = Operations(BwrapArguments.Build(Host, mounts, "/", "pod"));

        var tmpfs = args.IndexOf("--tmpfs /usr/local");
        var rebound = args.IndexOf("--ro-bind /usr/local/bin /usr/local/bin");
        var mount = args.IndexOf("--bind /state/vol /usr/local/kubetest-test-mnt");
        Assert.True(args.IndexOf("--ro-bind /usr /usr") < tmpfs, "the parent bind must come before the tmpfs");
        Assert.True(tmpfs >= 0 && tmpfs < rebound && tmpfs < mount, string.Join('\n', args));
        Assert.DoesNotContain("--tmpfs /usr", args);
    }

    [Fact]
    public void A_deep_missing_path_rebuilds_only_the_deepest_existing_ancestor()
    {
        var mounts = new[] { new Mount("/usr/local/bin/a/b", "/state/vol", ReadOnly: true, IsDirectory: true) };

        var args = Operations(BwrapArguments.Build(Host, mounts, "/", "pod"));

        Assert.Contains("--tmpfs /usr/local/bin", args);
        Assert.DoesNotContain("--tmpfs /usr/local", args);
        Assert.Contains("--ro-bind /state/vol /usr/local/bin/a/b", args);
    }

    [Fact]
    public void Two_rebuilt_directories_nested_in_each_other_are_ordered_parent_first()
    {
        var mounts = new[]
        {
            new Mount("/usr/local/bin/x", "/state/x", ReadOnly: false, IsDirectory: true),
            new Mount("/usr/local/y", "/state/y", ReadOnly: false, IsDirectory: true),
        };

        var args = Operations(BwrapArguments.Build(Host, mounts, "/", "pod"));

        Assert.True(args.IndexOf("--tmpfs /usr/local") < args.IndexOf("--tmpfs /usr/local/bin"), string.Join('\n', args));
        Assert.DoesNotContain("--ro-bind /usr/local/bin /usr/local/bin", args);
    }

    [Fact]
    public void A_volume_over_an_existing_host_directory_needs_no_rebuild_and_replaces_the_host_bind()
    {
        var mounts = new[] { new Mount("/work", "/state/work", ReadOnly: false, IsDirectory: true) };

        var args = Operations(BwrapArguments.Build(Host, mounts, "/work", "pod"));

        Assert.Contains("--bind /state/work /work", args);
        Assert.DoesNotContain("--ro-bind /work /work", args);
        Assert.DoesNotContain(args, a => a.StartsWith("--tmpfs /work", StringComparison.Ordinal));
    }

    [Fact]
    public void A_mount_under_a_missing_top_level_directory_lands_on_the_root_tmpfs()
    {
        var mounts = new[] { new Mount("/app/data", "/state/data", ReadOnly: false, IsDirectory: true) };

        var args = Operations(BwrapArguments.Build(Host, mounts, "/app/data", "pod"));

        Assert.Equal(["--tmpfs /"], args.Where(a => a.StartsWith("--tmpfs", StringComparison.Ordinal)));
        Assert.Contains("--bind /state/data /app/data", args);
    }

    [Fact]
    public void Files_inside_a_volume_are_mounted_after_the_volume_without_rebuilding()
    {
        var mounts = new[]
        {
            new Mount("/work", "/state/work", ReadOnly: false, IsDirectory: true),
            new Mount("/work/awesome-stuff", "/state/files/0/file", ReadOnly: false, IsDirectory: false),
        };

        var args = Operations(BwrapArguments.Build(Host, mounts, "/", "pod"));

        Assert.True(args.IndexOf("--bind /state/work /work") < args.IndexOf("--bind /state/files/0/file /work/awesome-stuff"));
        Assert.Equal(["--tmpfs /"], args.Where(a => a.StartsWith("--tmpfs", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_file_mount_where_the_host_has_a_directory_rebuilds_the_parent()
    {
        var mounts = new[] { new Mount("/work/repo", "/state/file", ReadOnly: true, IsDirectory: false) };

        var args = Operations(BwrapArguments.Build(Host, mounts, "/", "pod"));

        Assert.Contains("--tmpfs /work", args);
        Assert.Contains("--ro-bind /work/readme /work/readme", args);
        Assert.Contains("--ro-bind /state/file /work/repo", args);
        Assert.DoesNotContain("--ro-bind /work/repo /work/repo", args);
    }

    [Fact]
    public void The_sandbox_isolates_pids_and_session_shares_the_network_and_ends_with_the_working_directory()
    {
        var args = BwrapArguments.Build(Host, [], "/work", "my-pod");

        Assert.Contains("--die-with-parent", args);
        Assert.Contains("--unshare-pid", args);
        Assert.Contains("--new-session", args);
        Assert.DoesNotContain("--unshare-net", args);
        Assert.DoesNotContain("--unshare-all", args);
        Assert.Equal(["--chdir", "/work"], args.TakeLast(2));
        Assert.Equal("my-pod", args[args.IndexOf("--hostname") + 1]);
    }

    /// <summary>Joins each mount operation with its operands, so assertions read like the bwrap command line.</summary>
    private static List<string> Operations(List<string> args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var operands = args[i] switch
            {
                "--tmpfs" or "--proc" or "--dev" or "--chdir" or "--hostname" => 1,
                "--bind" or "--ro-bind" or "--symlink" => 2,
                _ => 0,
            };
            result.Add(string.Join(' ', args.Skip(i).Take(operands + 1)));
            i += operands;
        }

        return result;
    }

    private sealed class FakeHost : IHostFileSystem
    {
        private readonly HashSet<string> _directories;
        private readonly HashSet<string> _files;
        private readonly Dictionary<string, string> _symlinks;

        public FakeHost(string[] directories, string[] files, Dictionary<string, string> symlinks)
        {
            _directories = [.. directories];
            _files = [.. files];
            _symlinks = symlinks;
        }

        public IReadOnlyList<HostEntry> List(string directory) =>
            _directories.Concat(_files).Concat(_symlinks.Keys)
                .Where(p => p != "/" && ContainerPaths.Parent(p) == directory)
                .Select(p => new HostEntry(p[(p.LastIndexOf('/') + 1)..], _symlinks.GetValueOrDefault(p)))
                .OrderBy(e => e.Name, StringComparer.Ordinal)
                .ToList();

        public bool DirectoryExists(string path) =>
            _directories.Contains(path) || (_symlinks.TryGetValue(path, out var target) && _directories.Contains("/" + target));

        public bool FileExists(string path) => _files.Contains(path);
    }
}

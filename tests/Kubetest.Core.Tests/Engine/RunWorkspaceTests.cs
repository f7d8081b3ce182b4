using System.Diagnostics;
using System.Text.Json;
using Kubetest.Engine;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Engine;

/// <summary>Which workspaces in the temp directory count as left by a run that is gone.</summary>
public sealed class RunWorkspaceTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("kubetest-workspace-tests-").FullName;

    [Fact]
    public void A_new_workspace_names_its_owner_and_is_not_stale_while_the_owner_runs()
    {
        var owner = RunOwner.Current();

        using var workspace = RunWorkspace.Create(_parent, owner);

        Assert.Equal(owner, JsonSerializer.Deserialize<RunOwner>(File.ReadAllText(Path.Combine(workspace.Root, RunWorkspace.OwnerFile))));
        Assert.Empty(RunWorkspace.FindStale(_parent));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_workspace_is_its_owners_alone_since_containers_write_below_it()
    {
        using var workspace = RunWorkspace.Create(_parent, RunOwner.Current());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(workspace.Root));
    }

    [Fact]
    public void Only_the_workspace_of_an_ended_process_on_this_host_is_stale_and_removed()
    {
        var dead = Plant("kubetest-dead", EndedOwner());
        var reused = Plant("kubetest-reused", RunOwner.Current() with { StartTicks = RunOwner.Current().StartTicks + 1 });
        var live = Plant("kubetest-live", RunOwner.Current());
        var otherHost = Plant("kubetest-elsewhere", EndedOwner() with { Host = "another-host-" + Guid.NewGuid() });
        var noOwner = Path.Combine(_parent, "kubetest-no-owner");
        Directory.CreateDirectory(noOwner);
        var unrelated = Plant("something-else", EndedOwner());

        var removed = RunWorkspace.RemoveStale(_parent);

        Assert.Equal([dead, reused], removed.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.All(removed, r => Assert.Null(r.Error));
        Assert.False(Directory.Exists(dead));
        Assert.False(Directory.Exists(reused));
        Assert.All([live, otherHost, noOwner, unrelated], d => Assert.True(Directory.Exists(d), d));
    }

    [Fact]
    public void A_link_named_like_a_workspace_is_never_followed_or_removed()
    {
        var target = Plant("elsewhere", EndedOwner());
        var link = Path.Combine(_parent, "kubetest-link");
        Directory.CreateSymbolicLink(link, target);

        var removed = RunWorkspace.RemoveStale(_parent);

        Assert.Empty(removed);
        Assert.True(File.Exists(Path.Combine(target, RunWorkspace.OwnerFile)));
    }

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    private static RunOwner EndedOwner()
    {
        using var ended = Process.Start("true")!;
        ended.WaitForExit();
        return new RunOwner("ended", Environment.MachineName, ended.Id, 1, DateTimeOffset.UtcNow);
    }

    private string Plant(string name, RunOwner owner)
    {
        var path = Path.Combine(_parent, name);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, RunWorkspace.OwnerFile), JsonSerializer.Serialize(owner));
        File.WriteAllText(Path.Combine(path, "artifact"), "x");
        return path;
    }
}

using Kubetest.Engine;

namespace Kubetest.Core.Tests.Engine;

/// <summary>Exporting the store: per-container copies merged into the destination, links replaced, a signal honoured.</summary>
public sealed class ArtifactStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-store-tests-").FullName;

    public void Dispose() => FileTree.Delete(_root);

    [Fact]
    public void Export_writes_each_containers_copy_and_replaces_a_link_left_in_the_destination()
    {
        var store = new ArtifactStore(Path.Combine(_root, "store"));
        File.WriteAllText(store.PathFor("out", "test0-0", "/work/result.txt"), "zero");
        File.WriteAllText(store.PathFor("out", "test0-1", "/work/result.txt"), "one");
        var victim = Path.Combine(_root, "victim.txt");
        File.WriteAllText(victim, "keep");
        var destination = Path.Combine(_root, "export");
        Directory.CreateDirectory(Path.Combine(destination, "test0-0"));
        File.CreateSymbolicLink(Path.Combine(destination, "test0-0", "result.txt"), victim);
        var copied = new List<string>();

        var count = store.Export("out", destination, copied.Add, CancellationToken.None);

        Assert.Equal(2, count);
        Assert.Equal(["test0-0", "test0-1"], copied);
        Assert.Equal("keep", File.ReadAllText(victim));
        Assert.Equal("zero", File.ReadAllText(Path.Combine(destination, "test0-0", "result.txt")));
        Assert.Equal("one", File.ReadAllText(Path.Combine(destination, "test0-1", "result.txt")));
    }

    [Fact]
    public void A_cancelled_export_stops_before_copying_more()
    {
        var store = new ArtifactStore(Path.Combine(_root, "store"));
        File.WriteAllText(store.PathFor("out", "test0-0", "/work/result.txt"), "zero");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var copied = new List<string>();

        Assert.Throws<OperationCanceledException>(() => store.Export("out", Path.Combine(_root, "export"), copied.Add, cancelled.Token));

        Assert.Empty(copied);
        Assert.False(File.Exists(Path.Combine(_root, "export", "test0-0", "result.txt")));
        Assert.Equal(1, store.CopyCount("out"));
    }
}

namespace Kubetest.Core.Tests.Files;

/// <summary>Copies of kubetest's own trees into places where a container or an earlier export may have left links.</summary>
public sealed class FileTreeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-filetree-tests-").FullName;

    public void Dispose() => FileTree.Delete(_root);

    [Fact]
    public void Copying_over_a_planted_link_replaces_the_link_and_leaves_its_target_alone()
    {
        var victim = Write("victim", "keep me");
        var source = Write("src/out/evil", "from the artifact");
        var destination = Path.Combine(_root, "dest");
        Directory.CreateDirectory(Path.Combine(destination, "out"));
        File.CreateSymbolicLink(Path.Combine(destination, "out/evil"), victim);

        FileTree.Copy(Path.Combine(_root, "src"), destination, CancellationToken.None);

        Assert.Equal("keep me", File.ReadAllText(victim));
        Assert.Equal(EntryKind.File, FileTree.KindOf(Path.Combine(destination, "out/evil")));
        Assert.Equal("from the artifact", File.ReadAllText(Path.Combine(destination, "out/evil")));
        Assert.True(File.Exists(source));
    }

    [Fact]
    public void Copying_a_tree_through_a_planted_directory_link_replaces_the_link()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        Write("src/out/sub/f.txt", "f");
        var destination = Path.Combine(_root, "dest");
        Directory.CreateDirectory(Path.Combine(destination, "out"));
        Directory.CreateSymbolicLink(Path.Combine(destination, "out/sub"), outside);

        FileTree.Copy(Path.Combine(_root, "src"), destination, CancellationToken.None);

        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal(EntryKind.Directory, FileTree.KindOf(Path.Combine(destination, "out/sub")));
        Assert.Equal("f", File.ReadAllText(Path.Combine(destination, "out/sub/f.txt")));
    }

    [Fact]
    public void Links_in_the_source_are_copied_as_links_and_a_directory_already_there_is_merged_into()
    {
        Write("src/new.txt", "new");
        File.CreateSymbolicLink(Path.Combine(_root, "src/abs"), "/proc/self/environ");
        var destination = Path.Combine(_root, "dest");
        Write("dest/old.txt", "old");

        var copied = FileTree.Copy(Path.Combine(_root, "src"), destination, CancellationToken.None);

        Assert.Equal(2, copied);
        Assert.Equal("/proc/self/environ", new FileInfo(Path.Combine(destination, "abs")).LinkTarget);
        Assert.Equal("old", File.ReadAllText(Path.Combine(destination, "old.txt")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(destination, "new.txt")));
    }

    [Fact]
    public void A_source_that_is_itself_a_link_is_copied_as_that_link()
    {
        var victim = Write("victim", "secret");
        var source = Path.Combine(_root, "artifact");
        File.CreateSymbolicLink(source, victim);

        FileTree.Copy(source, Path.Combine(_root, "copy"), CancellationToken.None);

        Assert.Equal(victim, new FileInfo(Path.Combine(_root, "copy")).LinkTarget);
    }

    [Fact]
    public void Moving_into_a_destination_that_is_a_link_replaces_the_link()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        Write("staging/out/f.txt", "f");
        var destination = Path.Combine(_root, "out");
        Directory.CreateSymbolicLink(destination, outside);

        FileTree.Move(Path.Combine(_root, "staging/out"), destination, CancellationToken.None);

        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal("f", File.ReadAllText(Path.Combine(destination, "f.txt")));
        Assert.False(FileTree.Exists(Path.Combine(_root, "staging/out")));
    }

    [Fact]
    public void Moving_into_an_existing_directory_moves_links_to_directories_and_dangling_links_as_links()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        Directory.CreateDirectory(Path.Combine(_root, "staging/out"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "staging/out/dir"), outside);
        File.CreateSymbolicLink(Path.Combine(_root, "staging/out/dangling"), "/nonexistent/x");
        Write("dest/out/old.txt", "old");

        FileTree.Move(Path.Combine(_root, "staging/out"), Path.Combine(_root, "dest/out"), CancellationToken.None);

        Assert.Equal(EntryKind.Link, FileTree.KindOf(Path.Combine(_root, "dest/out/dir")));
        Assert.Equal(outside, new FileInfo(Path.Combine(_root, "dest/out/dir")).LinkTarget);
        Assert.Equal("/nonexistent/x", new FileInfo(Path.Combine(_root, "dest/out/dangling")).LinkTarget);
        Assert.Equal("old", File.ReadAllText(Path.Combine(_root, "dest/out/old.txt")));
        Assert.False(FileTree.Exists(Path.Combine(_root, "staging/out")));
        Assert.True(Directory.Exists(outside));
    }

    [Fact]
    public void Creating_a_directory_below_a_root_refuses_a_link_on_the_way()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        var volume = Directory.CreateDirectory(Path.Combine(_root, "volume")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(volume, "sub"), outside);

        Assert.Throws<IOException>(() => FileTree.CreateDirectoryBelow(volume, "sub/deeper"));
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal(Path.Combine(volume, "a", "b"), FileTree.CreateDirectoryBelow(volume, "a/b"));
    }

    [Fact]
    public void Deleting_a_tree_removes_links_but_not_what_they_point_to()
    {
        var victim = Write("victim", "keep");
        Write("tree/f.txt", "f");
        File.CreateSymbolicLink(Path.Combine(_root, "tree/l"), victim);
        Directory.CreateSymbolicLink(Path.Combine(_root, "tree/d"), _root);

        FileTree.Delete(Path.Combine(_root, "tree"));

        Assert.False(FileTree.Exists(Path.Combine(_root, "tree")));
        Assert.Equal("keep", File.ReadAllText(victim));
    }

    [Fact]
    public void A_cancelled_copy_stops()
    {
        Write("src/a.txt", "a");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => FileTree.Copy(Path.Combine(_root, "src"), Path.Combine(_root, "dest"), cancelled.Token));
    }

    private string Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}

using System.Formats.Tar;
using System.Text;
using Kubetest.Files;

namespace Kubetest.Agent.Tests;

public sealed class CopyTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private readonly AgentProcess _agent = fixture.Agent;
    private readonly string _directory = fixture.NewDirectory();

    [Fact]
    public async Task A_tree_copied_in_and_out_again_keeps_links_modes_and_empty_directories()
    {
        var source = MakeTree(Path.Combine(_directory, "source", "tree"));
        var inContainer = Path.Combine(_directory, "container", "deep", "tree");
        var back = Path.Combine(_directory, "back");
        Directory.CreateDirectory(back);
        using var client = _agent.Client();

        using (var archive = new MemoryStream())
        {
            await TarPacker.WriteAsync(archive, source, "tree", CancellationToken.None);
            archive.Position = 0;
            Assert.Empty(await client.CopyToAsync(inContainer, archive));
        }

        Assert.Equal(TreeSnapshot.Of(source), TreeSnapshot.Of(inContainer));
        await using (var archive = await client.CopyFromAsync(inContainer))
        {
            Assert.Empty(TarExtractor.Extract(archive, back, CancellationToken.None));
        }

        Assert.Equal(TreeSnapshot.Of(source), TreeSnapshot.Of(Path.Combine(back, "tree")));
    }

    [Fact]
    public async Task Copying_in_replaces_what_was_at_the_path_and_a_link_there_is_replaced_not_followed()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_directory, "elsewhere")).FullName;
        var path = Path.Combine(_directory, "container", "data");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, elsewhere);
        using var client = _agent.Client();

        using var archive = Archive(w => w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "data") { DataStream = Text("new") }));
        await client.CopyToAsync(path, archive);

        Assert.Equal("new", await File.ReadAllTextAsync(path));
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }

    [Fact]
    public async Task Remove_deletes_a_tree_and_the_links_in_it_but_never_what_they_point_to()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_directory, "kept")).FullName;
        File.WriteAllText(Path.Combine(elsewhere, "precious"), "keep");
        var path = Path.Combine(_directory, "container", "out");
        Directory.CreateDirectory(Path.Combine(path, "deep"));
        File.WriteAllText(Path.Combine(path, "deep", "result"), "r");
        File.CreateSymbolicLink(Path.Combine(path, "to-dir"), elsewhere);
        File.CreateSymbolicLink(Path.Combine(path, "deep", "to-file"), Path.Combine(elsewhere, "precious"));
        var link = Path.Combine(_directory, "container", "link");
        File.CreateSymbolicLink(link, elsewhere);
        using var client = _agent.Client();

        await client.RemoveAsync(path);
        await client.RemoveAsync(link);
        await client.RemoveAsync(Path.Combine(_directory, "container", "never-there"));

        Assert.False(FileTree.Exists(path));
        Assert.False(FileTree.Exists(link));
        Assert.Equal("keep", await File.ReadAllTextAsync(Path.Combine(elsewhere, "precious")));
    }

    [Fact]
    public async Task Remove_of_a_relative_path_is_refused_with_the_field_named()
    {
        using var client = _agent.Client();

        var error = await Assert.ThrowsAsync<Client.AgentCallException>(() => client.RemoveAsync("relative/path"));

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.Status);
        Assert.Contains("path: relative/path is not an absolute path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hostile_archive_writes_nothing_outside_the_destination()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_directory, "outside")).FullName;
        var area = Path.Combine(_directory, "container", "area");
        using var client = _agent.Client();
        using var archive = Archive(w =>
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../escaped-by-dots") { DataStream = Text("x") });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, Path.Combine(outside, "escaped-by-absolute-name")) { DataStream = Text("x") });
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "top"));
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "top/link") { LinkName = outside });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "top/link/escaped-through-link") { DataStream = Text("x") });
            w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "top/hard") { LinkName = "/etc/passwd" });
        });

        var skipped = await client.CopyToAsync(Path.Combine(area, "top"), archive);

        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.False(File.Exists(Path.Combine(_directory, "container", "escaped-by-dots")));
        Assert.Equal(outside, new FileInfo(Path.Combine(area, "top", "link")).LinkTarget);
        Assert.False(File.Exists(Path.Combine(area, "top", "hard")));
        Assert.Equal(4, skipped.Count);
    }

    [Fact]
    public async Task Copying_out_a_path_that_does_not_exist_is_file_not_found()
    {
        using var client = _agent.Client();

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => client.CopyFromAsync(Path.Combine(_directory, "nothing-here")));

        Assert.Contains("nothing-here", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relative_path_is_refused_with_the_field_named()
    {
        using var client = _agent.Client();
        using var archive = Archive(_ => { });

        var error = await Assert.ThrowsAsync<Client.AgentCallException>(() => client.CopyToAsync("relative/path", archive));

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.Status);
        Assert.Contains("header.path: relative/path is not an absolute path", error.Message, StringComparison.Ordinal);
    }

    private static string MakeTree(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "sub", "empty"));
        File.SetUnixFileMode(Path.Combine(root, "sub", "empty"), (UnixFileMode)Convert.ToInt32("700", 8));
        File.SetUnixFileMode(Path.Combine(root, "sub"), (UnixFileMode)Convert.ToInt32("750", 8));
        File.WriteAllText(Path.Combine(root, "run.sh"), "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(root, "run.sh"), (UnixFileMode)Convert.ToInt32("750", 8));
        File.WriteAllText(Path.Combine(root, "sub", "secret.txt"), "only me");
        File.SetUnixFileMode(Path.Combine(root, "sub", "secret.txt"), (UnixFileMode)Convert.ToInt32("600", 8));
        File.CreateSymbolicLink(Path.Combine(root, "relative-link"), "sub/secret.txt");
        File.CreateSymbolicLink(Path.Combine(root, "dangling-absolute-link"), "/no/such/target");
        return root;
    }

    private static MemoryStream Archive(Action<TarWriter> write)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            write(writer);
        }

        stream.Position = 0;
        return stream;
    }

    private static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));
}

using System.Formats.Tar;
using System.Text;
using Kubetest.Files;

namespace Kubetest.Core.Tests.Files;

/// <summary>Hostile archives: nothing lands outside the destination, nothing is written through a link.</summary>
public sealed class TarExtractorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-tar-tests-").FullName;

    private string Destination => Path.Combine(_root, "dest");

    private string Outside => Path.Combine(_root, "outside");

    public TarExtractorTests()
    {
        Directory.CreateDirectory(Destination);
        Directory.CreateDirectory(Outside);
    }

    public void Dispose() => FileTree.Delete(_root);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Files_directories_and_modes_are_extracted()
    {
        var skipped = Extract(
            Dir("out"),
            File("out/a.txt", "alpha", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute),
            File("out/sub/b.txt", "beta"));

        Assert.Empty(skipped);
        Assert.Equal("alpha", System.IO.File.ReadAllText(Path.Combine(Destination, "out/a.txt")));
        Assert.Equal("beta", System.IO.File.ReadAllText(Path.Combine(Destination, "out/sub/b.txt")));
        Assert.True(System.IO.File.GetUnixFileMode(Path.Combine(Destination, "out/a.txt")).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public void An_absolute_symlink_is_kept_as_a_link_and_not_followed()
    {
        var victim = Victim("secret");

        var skipped = Extract(Dir("out"), Link("out/evil", victim), File("out/ok.txt", "ok"));

        Assert.Empty(skipped);
        Assert.Equal(victim, new FileInfo(Path.Combine(Destination, "out/evil")).LinkTarget);
        Assert.Equal("ok", System.IO.File.ReadAllText(Path.Combine(Destination, "out/ok.txt")));
        Assert.Equal("secret", System.IO.File.ReadAllText(victim));
    }

    [Fact]
    public void A_file_entry_after_a_link_of_the_same_name_replaces_the_link_instead_of_writing_through_it()
    {
        var victim = Victim("keep me");

        Extract(Link("evil", victim), File("evil", "overwritten?"));

        Assert.Equal("keep me", System.IO.File.ReadAllText(victim));
        Assert.Equal(EntryKind.File, FileTree.KindOf(Path.Combine(Destination, "evil")));
        Assert.Equal("overwritten?", System.IO.File.ReadAllText(Path.Combine(Destination, "evil")));
    }

    [Fact]
    public void Nothing_is_created_below_a_link_to_a_directory_outside()
    {
        var skipped = Extract(Link("out", Outside), File("out/planted.txt", "x"), Dir("out/sub"), File("out/sub/deeper.txt", "y"));

        Assert.Empty(Directory.GetFileSystemEntries(Outside));
        Assert.Equal(3, skipped.Count);
    }

    [Fact]
    public void Absolute_names_and_names_with_dot_dot_are_skipped()
    {
        var skipped = Extract(File("../escape.txt", "x"), File("a/../../escape2.txt", "x"), File(Path.Combine(Outside, "abs.txt"), "x"), File("./fine.txt", "fine"));

        Assert.Empty(Directory.GetFileSystemEntries(Outside));
        Assert.False(System.IO.File.Exists(Path.Combine(_root, "escape.txt")));
        Assert.False(System.IO.File.Exists(Path.Combine(_root, "escape2.txt")));
        Assert.Equal(3, skipped.Count);
        Assert.Equal("fine", System.IO.File.ReadAllText(Path.Combine(Destination, "fine.txt")));
    }

    [Fact]
    public void A_hard_link_becomes_a_copy_of_an_earlier_file_and_one_to_a_host_file_is_skipped()
    {
        var victim = Victim("host content");

        var skipped = Extract(File("a.txt", "archive content"), HardLink("b.txt", "a.txt"), HardLink("c.txt", victim), HardLink("d.txt", "../outside/victim"));

        Assert.Equal("archive content", System.IO.File.ReadAllText(Path.Combine(Destination, "b.txt")));
        Assert.False(FileTree.Exists(Path.Combine(Destination, "c.txt")));
        Assert.False(FileTree.Exists(Path.Combine(Destination, "d.txt")));
        Assert.Equal(2, skipped.Count);
        System.IO.File.AppendAllText(Path.Combine(Destination, "b.txt"), "!");
        Assert.Equal("host content", System.IO.File.ReadAllText(victim));
    }

    [Fact]
    public void A_hard_link_through_a_link_in_the_archive_is_not_followed()
    {
        var victim = Victim("host content");

        var skipped = Extract(Link("l", Outside), HardLink("copy.txt", "l/victim"));

        Assert.Single(skipped);
        Assert.False(FileTree.Exists(Path.Combine(Destination, "copy.txt")));
    }

    [Fact]
    public void A_link_chain_is_kept_link_by_link()
    {
        var victim = Victim("secret");

        var skipped = Extract(Link("one", "two"), Link("two", "three"), Link("three", victim));

        Assert.Empty(skipped);
        Assert.Equal("two", new FileInfo(Path.Combine(Destination, "one")).LinkTarget);
        Assert.Equal(victim, new FileInfo(Path.Combine(Destination, "three")).LinkTarget);
    }

    [Fact]
    public void Fifos_and_devices_are_skipped_with_a_line_each_and_never_created()
    {
        var skipped = Extract(
            new PaxTarEntry(TarEntryType.Fifo, "pipe"),
            new PaxTarEntry(TarEntryType.CharacterDevice, "null") { DeviceMajor = 1, DeviceMinor = 3 },
            File("after.txt", "after"));

        Assert.Equal(2, skipped.Count);
        Assert.Contains(skipped, s => s.Contains("FIFO", StringComparison.Ordinal));
        Assert.False(FileTree.Exists(Path.Combine(Destination, "pipe")));
        Assert.Equal("after", System.IO.File.ReadAllText(Path.Combine(Destination, "after.txt")));
    }

    [Fact]
    public void A_damaged_archive_is_an_error()
    {
        var bytes = Archive(File("a.txt", new string('x', 5000)));

        Assert.ThrowsAny<Exception>(() => TarExtractor.Extract(new MemoryStream(bytes[..700]), Destination, CancellationToken.None));
    }

    [Fact]
    public void A_cancelled_extraction_stops_between_entries()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => TarExtractor.Extract(new MemoryStream(Archive(File("a.txt", "a"))), Destination, cancelled.Token));
        Assert.False(FileTree.Exists(Path.Combine(Destination, "a.txt")));
    }

    private string Victim(string content)
    {
        var path = Path.Combine(Outside, "victim");
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    private IReadOnlyList<string> Extract(params TarEntry[] entries) =>
        TarExtractor.Extract(new MemoryStream(Archive(entries)), Destination, CancellationToken.None);

    private static byte[] Archive(params TarEntry[] entries)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }

        return stream.ToArray();
    }

    private static PaxTarEntry Dir(string name) => new(TarEntryType.Directory, name) { Mode = (UnixFileMode)0b111_101_101 };

    private static PaxTarEntry File(string name, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)), Mode = mode };

    private static PaxTarEntry Link(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    private static PaxTarEntry HardLink(string name, string target) => new(TarEntryType.HardLink, name) { LinkName = target };
}

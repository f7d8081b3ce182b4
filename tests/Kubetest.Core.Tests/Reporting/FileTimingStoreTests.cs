using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Reporting;

/// <summary>The file timing store: concurrent runs, links, its directory.</summary>
public sealed class FileTimingStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-store-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private FileTimingStore Store(string path) => new(path, TimeProvider.System, FileTimingStore.DefaultLockTimeout);

    private static Func<string?, string> Adding(string key) =>
        current => (TimingDocument.Parse(current).Document ?? TimingDocument.Empty).Merge(new Dictionary<string, double> { [key] = 1 }).ToJson();

    [Fact]
    public async Task Nothing_is_read_before_the_first_write_and_the_written_text_after_it()
    {
        var store = Store(Path.Combine(_root, "ns", "job.json"));

        Assert.Null(await store.ReadAsync(CancellationToken.None));
        await store.UpdateAsync(current => $"was {current ?? "nothing"}", CancellationToken.None);

        Assert.Equal("was nothing", await store.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Updates_at_once_all_land_in_the_file()
    {
        var path = Path.Combine(_root, "job.json");
        // Fewer than MaxAge runs, so the first run's key is still kept after the last.
        var updates = Enumerable.Range(0, 8).Select(i => Task.Run(() => Store(path).UpdateAsync(Adding($"key{i}"), CancellationToken.None)));

        await Task.WhenAll(updates);

        var document = TimingDocument.Parse(await Store(path).ReadAsync(CancellationToken.None)).Document!;
        Assert.Equal(8, document.Runs);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"key{i}").Order(StringComparer.Ordinal), document.Keys.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["job.json", "job.json.lock"], Directory.GetFiles(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_symbolic_link_at_the_path_is_refused_and_its_target_left_alone()
    {
        var target = Path.Combine(_root, "elsewhere.txt");
        await File.WriteAllTextAsync(target, "precious");
        var path = Path.Combine(_root, "job.json");
        File.CreateSymbolicLink(path, target);

        var read = await Assert.ThrowsAsync<TimingStoreException>(() => Store(path).ReadAsync(CancellationToken.None));
        var write = await Assert.ThrowsAsync<TimingStoreException>(() => Store(path).UpdateAsync(_ => "overwritten", CancellationToken.None));

        Assert.Contains("symbolic link", read.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", write.Message, StringComparison.Ordinal);
        Assert.Equal("precious", await File.ReadAllTextAsync(target));
        Assert.NotNull(new FileInfo(path).LinkTarget);
    }

    [Fact]
    public async Task A_symbolic_link_at_the_lock_path_is_refused()
    {
        var target = Path.Combine(_root, "elsewhere.txt");
        await File.WriteAllTextAsync(target, "precious");
        var path = Path.Combine(_root, "job.json");
        File.CreateSymbolicLink(path + ".lock", target);

        await Assert.ThrowsAsync<TimingStoreException>(() => Store(path).UpdateAsync(_ => "x", CancellationToken.None));

        Assert.False(File.Exists(path));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task The_directories_it_creates_are_private_to_the_user()
    {
        var path = Path.Combine(_root, "cache", "kubetest", "ns", "job.json");

        await Store(path).UpdateAsync(_ => "{}", CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task A_file_that_cannot_be_written_is_a_timing_store_exception()
    {
        var blocker = Path.Combine(_root, "file");
        await File.WriteAllTextAsync(blocker, "");

        var ex = await Assert.ThrowsAsync<TimingStoreException>(() => Store(Path.Combine(blocker, "job.json")).UpdateAsync(_ => "x", CancellationToken.None));

        Assert.Contains("cannot write it", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_file_is_read_only_up_to_one_byte_past_the_bound()
    {
        var path = Path.Combine(_root, "job.json");
        await File.WriteAllTextAsync(path, new string('x', TimingDocument.MaxBytes * 3));

        var text = await Store(path).ReadAsync(CancellationToken.None);

        Assert.Equal(TimingDocument.MaxBytes + 1, text!.Length);
        Assert.Contains("larger than", TimingDocument.Parse(text).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pipe_at_the_path_is_refused_without_blocking_and_left_in_place()
    {
        var path = Path.Combine(_root, "job.json");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]))
        {
            await mkfifo.WaitForExitAsync();
        }

        var read = await Assert.ThrowsAsync<TimingStoreException>(() => Store(path).ReadAsync(CancellationToken.None));
        await Assert.ThrowsAsync<TimingStoreException>(() => Store(path).UpdateAsync(_ => "x", CancellationToken.None));

        Assert.Contains("not a regular file", read.Message, StringComparison.Ordinal);
        Assert.Equal(EntryKind.File, FileTree.KindOf(path));
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public async Task A_character_device_is_never_replaced_nor_given_a_lock_file()
    {
        await Assert.ThrowsAsync<TimingStoreException>(() => Store("/dev/null").UpdateAsync(_ => "x", CancellationToken.None));

        Assert.Equal(0, new FileInfo("/dev/null").Length);
        Assert.False(File.Exists("/dev/null.lock"));
    }
}

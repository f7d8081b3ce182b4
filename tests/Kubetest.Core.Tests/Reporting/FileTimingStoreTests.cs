using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Reporting;

/// <summary>The file timing store: concurrent runs, links, its directory.</summary>
public sealed class FileTimingStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-store-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private FileTimingStore Store(string path) => new(path, TimeProvider.System, FileTimingStore.DefaultLockTimeout);

    private static Func<string?, TimingLimits, string> Adding(string key) =>
        (current, limits) => (TimingDocument.Parse(current, limits).Document ?? TimingDocument.Empty).Merge(new Dictionary<string, double> { [key] = 1 }, limits).ToJson();

    /// <summary>Pytest node ids of 80 characters that share their module and class prefixes, as a test-level suite's keys do.</summary>
    private static string NodeId(int i) => $"numpy/_core/tests/test_multiarray.py::TestMethods{i / 500:D3}::test_sort_{i:D6}[float64-".PadRight(79, 'x') + "]";

    [Fact]
    public async Task Nothing_is_read_before_the_first_write_and_the_written_text_after_it()
    {
        var store = Store(Path.Combine(_root, "ns", "job.json"));

        Assert.Null(await store.ReadAsync(CancellationToken.None));
        await store.UpdateAsync((current, _) => $"was {current ?? "nothing"}", CancellationToken.None);

        Assert.Equal("was nothing", await store.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Updates_at_once_all_land_in_the_file()
    {
        var path = Path.Combine(_root, "job.json");
        // Fewer than MaxAge runs, so the first run's key is still kept after the last.
        var updates = Enumerable.Range(0, 8).Select(i => Task.Run(() => Store(path).UpdateAsync(Adding($"key{i}"), CancellationToken.None)));

        await Task.WhenAll(updates);

        var document = TimingDocument.Parse(await Store(path).ReadAsync(CancellationToken.None), FileTimingStore.FileLimits).Document!;
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
        var write = await Assert.ThrowsAsync<TimingStoreException>(() => Store(path).UpdateAsync((_, _) => "overwritten", CancellationToken.None));

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

        await Assert.ThrowsAsync<TimingStoreException>(() => Store(path).UpdateAsync((_, _) => "x", CancellationToken.None));

        Assert.False(File.Exists(path));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task The_directories_it_creates_are_private_to_the_user()
    {
        var path = Path.Combine(_root, "cache", "kubetest", "ns", "job.json");

        await Store(path).UpdateAsync((_, _) => "{}", CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task A_file_that_cannot_be_written_is_a_timing_store_exception()
    {
        var blocker = Path.Combine(_root, "file");
        await File.WriteAllTextAsync(blocker, "");

        var ex = await Assert.ThrowsAsync<TimingStoreException>(() => Store(Path.Combine(blocker, "job.json")).UpdateAsync((_, _) => "x", CancellationToken.None));

        Assert.Contains("cannot write it", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_file_is_read_only_up_to_one_byte_past_the_bound()
    {
        var path = Path.Combine(_root, "job.json");
        await using (var huge = File.Create(path))
        {
            // Sparse: three times the bound on disk costs nothing, and a read that ignored the bound would take it all.
            huge.SetLength(3L * FileTimingStore.FileLimits.MaxBytes);
        }

        var text = await Store(path).ReadAsync(CancellationToken.None);

        Assert.Equal(FileTimingStore.FileLimits.MaxBytes + 1, text!.Length);
        Assert.Contains("larger than 67108864 bytes", TimingDocument.Parse(text, FileTimingStore.FileLimits).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Thirty_thousand_test_ids_of_eighty_characters_are_all_saved_and_read_back()
    {
        var path = Path.Combine(_root, "job.json");
        var durations = Enumerable.Range(0, 30_000).ToDictionary(NodeId, i => i / 1000.0, StringComparer.Ordinal);
        TimingDocument? saved = null;

        await Store(path).UpdateAsync((current, limits) => (saved = TimingDocument.Empty.Merge(durations, limits)).ToJson(), CancellationToken.None);
        var (read, problem) = TimingDocument.Parse(await Store(path).ReadAsync(CancellationToken.None), FileTimingStore.FileLimits);

        Assert.Null(problem);
        Assert.Equal(0, saved!.DroppedForSize);
        Assert.Equal(80, NodeId(29_999).Length);
        Assert.True(new FileInfo(path).Length > 2_000_000, $"{new FileInfo(path).Length} bytes: more than a ConfigMap holds uncompressed");
        Assert.Equal(durations, read!.Durations());
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
        await Assert.ThrowsAsync<TimingStoreException>(() => Store(path).UpdateAsync((_, _) => "x", CancellationToken.None));

        Assert.Contains("not a regular file", read.Message, StringComparison.Ordinal);
        Assert.Equal(EntryKind.File, FileTree.KindOf(path));
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public async Task A_character_device_is_never_replaced_nor_given_a_lock_file()
    {
        await Assert.ThrowsAsync<TimingStoreException>(() => Store("/dev/null").UpdateAsync((_, _) => "x", CancellationToken.None));

        Assert.Equal(0, new FileInfo("/dev/null").Length);
        Assert.False(File.Exists("/dev/null.lock"));
    }
}

using System.Text;

namespace Kubetest.Reporting;

/// <summary>
/// A timing store in one file on this machine. Runs of one TestJob at once take turns: an exclusive lock on
/// <c>FILE.lock</c> (<see cref="FileShare.None"/>, an advisory lock on Unix) around each read-modify-write, and
/// the new text replaces the old in one rename, so a reader sees the old document or the new one, never a part.
/// A link at the path is refused, never followed; a missing directory is created private (0700).
/// </summary>
/// <param name="lockTimeout">How long a run waits for another run of the same TestJob to finish writing (<see cref="DefaultLockTimeout"/>).</param>
public sealed class FileTimingStore(string path, TimeProvider timeProvider, TimeSpan lockTimeout) : ITimingStore
{
    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What makes sense on disk and in memory, not a ConfigMap's 1 MiB: a test-level suite of a few hundred thousand
    /// ids fits, and a read still never takes more than 64 MiB from the file.
    /// </summary>
    public static readonly TimingLimits FileLimits = new(MaxKeys: 1_000_000, MaxBytes: 64 * 1024 * 1024);

    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(20);

    private readonly string _path = Path.GetFullPath(path);

    public string Name => _path;

    public TimingLimits Limits => FileLimits;

    public async Task<string?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ReadCurrentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TimingStoreException($"cannot read it: {ex.Message}", ex);
        }
    }

    public async Task UpdateAsync(Func<string?, TimingLimits, string> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        try
        {
            // Refused before anything is created beside it (a lock file next to /dev/null).
            _ = IsFile();
            var directory = Path.GetDirectoryName(_path)!;
            CreatePrivateDirectory(directory);
            await using var held = await LockAsync(cancellationToken).ConfigureAwait(false);
            var text = update(await ReadCurrentAsync(cancellationToken).ConfigureAwait(false), FileLimits);
            var temporary = Path.Combine(directory, $".{Path.GetFileName(_path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            try
            {
                // CreateNew is O_CREAT|O_EXCL: nothing already at the temporary path is opened, a link included.
                await using (var stream = new FileStream(temporary, Exclusive(FileMode.CreateNew, FileAccess.Write)))
                {
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                }

                // rename(2): replaces the file (or a link put there since) itself, and readers see old or new whole.
                File.Move(temporary, _path, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TimingStoreException($"cannot write it: {ex.Message}", ex);
        }
    }

    private async Task<string?> ReadCurrentAsync(CancellationToken cancellationToken)
    {
        if (!IsFile())
        {
            return null;
        }

        var stream = new FileStream(_path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite, Options = FileOptions.Asynchronous });
        await using (stream.ConfigureAwait(false))
        {
            // One byte more than a document may have is enough to tell it is too big; a small file gets a small buffer.
            var buffer = new byte[Math.Min(stream.Length, FileLimits.MaxBytes) + 1];
            var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return Encoding.UTF8.GetString(buffer, 0, read);
        }
    }

    /// <summary>False when nothing is there yet; throws for anything but a regular file with content.</summary>
    private bool IsFile()
    {
        switch (FileTree.KindOf(_path))
        {
            case EntryKind.Missing:
                return false;
            case EntryKind.Link:
                throw new TimingStoreException("it is a symbolic link, and kubetest never follows links");
            case EntryKind.Directory:
                throw new TimingStoreException("it is a directory");
        }

        // kubetest never writes an empty store, and .NET tells a device or a pipe (which a read would block on,
        // and a rename would replace: --timings-store /dev/null) from a file only by its size of 0.
        if (new FileInfo(_path).Length == 0)
        {
            throw new TimingStoreException("it is empty or not a regular file (a device, a pipe), which kubetest neither reads nor replaces");
        }

        return true;
    }

    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        var lockPath = _path + ".lock";
        if (FileTree.KindOf(lockPath) == EntryKind.Link)
        {
            throw new TimingStoreException($"{lockPath} is a symbolic link, and kubetest never follows links");
        }

        var deadline = timeProvider.GetUtcNow() + lockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, Exclusive(FileMode.OpenOrCreate, FileAccess.ReadWrite));
            }
            catch (IOException) when (timeProvider.GetUtcNow() < deadline)
            {
                // Another run holds it for its read-modify-write, which takes milliseconds.
                await Task.Delay(LockRetry, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new TimingStoreException($"another run held {lockPath} for {lockTimeout.TotalSeconds:0} s", ex);
            }
        }
    }

    /// <summary>Opened by no one else meanwhile; created readable by its owner only.</summary>
    private static FileStreamOptions Exclusive(FileMode mode, FileAccess access)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    private static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}

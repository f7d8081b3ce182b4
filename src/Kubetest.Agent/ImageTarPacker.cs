using System.Formats.Tar;

namespace Kubetest.Agent;

/// <summary>
/// Writes a tree of the container as a tar, links as links, like Core's TarPacker but without
/// <c>TarWriter.WriteEntry(path)</c>: that looks up the owner's user and group names and fails
/// outright in an image without /etc/passwd (FROM scratch). Entries carry numeric owners only.
/// FIFOs and devices become entries without data (the receiving extractor skips them); sockets are
/// left out, as tar does.
/// </summary>
internal static class ImageTarPacker
{
    private const uint Fifo = 0x1000, CharacterDevice = 0x2000, Directory = 0x4000, BlockDevice = 0x6000, Regular = 0x8000, Link = 0xA000;

    /// <summary>A tar of <paramref name="path"/> whose single top entry is <paramref name="name"/>; <paramref name="output"/> stays open.</summary>
    public static async Task WriteAsync(Stream output, string path, string name, CancellationToken cancellationToken)
    {
        var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await using (tar.ConfigureAwait(false))
        {
            await AddAsync(tar, path, name, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task AddAsync(TarWriter tar, string path, string entryName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Native.Lstat(path) is not { } status)
        {
            return;
        }

        var type = status.Type switch
        {
            Regular => TarEntryType.RegularFile,
            Directory => TarEntryType.Directory,
            Link => TarEntryType.SymbolicLink,
            Fifo => TarEntryType.Fifo,
            CharacterDevice => TarEntryType.CharacterDevice,
            BlockDevice => TarEntryType.BlockDevice,
            _ => (TarEntryType?)null,
        };
        if (type is not { } entryType)
        {
            return;
        }

        var entry = new PaxTarEntry(entryType, entryName)
        {
            Mode = status.Mode,
            Uid = status.Uid,
            Gid = status.Gid,
            ModificationTime = new FileInfo(path).LastWriteTimeUtc,
        };
        if (entryType == TarEntryType.SymbolicLink)
        {
            entry.LinkName = new FileInfo(path).LinkTarget ?? "";
        }

        if (entryType == TarEntryType.RegularFile)
        {
            var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
            await using (data.ConfigureAwait(false))
            {
                entry.DataStream = data;
                await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        if (entryType == TarEntryType.Directory)
        {
            foreach (var child in System.IO.Directory.EnumerateFileSystemEntries(path))
            {
                await AddAsync(tar, child, $"{entryName}/{Path.GetFileName(child)}", cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

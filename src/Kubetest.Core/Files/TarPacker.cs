using System.Formats.Tar;

namespace Kubetest.Files;

/// <summary>Writes a local file or tree of kubetest's own as a tar stream, links as links.</summary>
public static class TarPacker
{
    /// <summary>A tar of <paramref name="localPath"/> whose single top entry is called <paramref name="name"/>; <paramref name="output"/> stays open.</summary>
    public static async Task WriteAsync(Stream output, string localPath, string name, CancellationToken cancellationToken)
    {
        var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await using (tar.ConfigureAwait(false))
        {
            await AddAsync(tar, localPath, name, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task AddAsync(TarWriter tar, string localPath, string entryName, CancellationToken cancellationToken)
    {
        // TarWriter reads the entry with lstat: a link becomes a link entry and is not followed.
        await tar.WriteEntryAsync(localPath, entryName, cancellationToken).ConfigureAwait(false);
        if (FileTree.KindOf(localPath) == EntryKind.Directory)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(localPath))
            {
                await AddAsync(tar, entry, $"{entryName}/{Path.GetFileName(entry)}", cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

using System.Formats.Tar;

namespace Kubetest.Files;

/// <summary>Writes a local file or tree of kubetest's own as a tar stream, links as links.</summary>
public static class TarPacker
{
    /// <summary>A tar of <paramref name="localPath"/> whose single top entry is called <paramref name="name"/>; <paramref name="output"/> stays open.</summary>
    public static Task WriteAsync(Stream output, string localPath, string name, CancellationToken cancellationToken) =>
        WriteAllAsync(output, [(localPath, name)], cancellationToken);

    /// <summary>One tar of several local files or trees, each under its own top entry name; <paramref name="output"/> stays open.</summary>
    public static async Task WriteAllAsync(Stream output, IEnumerable<(string LocalPath, string Name)> entries, CancellationToken cancellationToken)
    {
        var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await using (tar.ConfigureAwait(false))
        {
            foreach (var (localPath, name) in entries)
            {
                await AddAsync(tar, localPath, name, cancellationToken).ConfigureAwait(false);
            }
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

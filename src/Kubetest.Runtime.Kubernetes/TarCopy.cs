using System.Formats.Tar;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// Files into and out of containers as tar streams over exec (only <c>sh</c> and <c>tar</c> in the
/// image, no permission beyond pods/exec). Streams end to end: nothing is held in memory whole.
/// </summary>
internal sealed class TarCopy(PodExec exec)
{
    public async Task CopyFromAsync(string pod, string container, string containerPath, string localPath, CancellationToken cancellationToken)
    {
        var parent = ParentOf(containerPath);
        var name = containerPath.TrimEnd('/').Split('/')[^1];
        var staging = localPath + ".kubetest-tar";
        Directory.CreateDirectory(staging);
        try
        {
            var stderr = new StringWriter();
            Exception? unpacking = null;
            var exitCode = await exec.RunAsync(
                pod,
                container,
                ["tar", "cf", "-", "-C", parent, name],
                null,
                stdout =>
                {
                    // When tar fails there is no archive (or half of one); its exit code says why, below.
                    try
                    {
                        TarFile.ExtractToDirectory(stdout, staging, overwriteFiles: true);
                    }
                    catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException)
                    {
                        unpacking = ex;
                        stdout.CopyTo(Stream.Null);
                    }
                },
                stderrStream => Collect(stderrStream, stderr),
                cancellationToken).ConfigureAwait(false);
            var extracted = Path.Combine(staging, name);
            if (exitCode != 0 || !(File.Exists(extracted) || Directory.Exists(extracted)))
            {
                throw new FileNotFoundException($"container {container} has nothing at {containerPath}: {stderr.ToString().Trim()}", containerPath);
            }

            if (unpacking is not null)
            {
                throw new IOException($"the archive of {containerPath} from container {container} was damaged: {unpacking.Message}", unpacking);
            }

            if (Directory.Exists(extracted))
            {
                Directory.Move(extracted, localPath);
            }
            else
            {
                File.Move(extracted, localPath, overwrite: true);
            }
        }
        finally
        {
            FileTree.Delete(staging);
        }
    }

    public async Task CopyToAsync(string pod, string container, string localPath, string containerPath, CancellationToken cancellationToken)
    {
        var parent = ParentOf(containerPath);
        var name = containerPath.TrimEnd('/').Split('/')[^1];
        var stderr = new StringWriter();
        var script = $"mkdir -p {Quote(parent)} && rm -rf {Quote(containerPath)} && tar xf - -C {Quote(parent)}";
        var exitCode = await exec.RunAsync(
            pod,
            container,
            ["sh", "-c", script],
            stdin => WriteTarAsync(stdin, localPath, name, cancellationToken),
            stdout => stdout.CopyTo(Stream.Null),
            stderrStream => Collect(stderrStream, stderr),
            cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new IOException($"could not copy {localPath} to {containerPath} in container {container} of pod {pod} (exit code {exitCode}): {stderr.ToString().Trim()}");
        }
    }

    /// <summary>A tar of <paramref name="localPath"/> whose single top entry is called <paramref name="name"/>.</summary>
    private static async Task WriteTarAsync(Stream stdin, string localPath, string name, CancellationToken cancellationToken)
    {
        // Leave the exec stream open: closing stdin is the v5 close frame, which the caller sends.
        var tar = new TarWriter(stdin, TarEntryFormat.Pax, leaveOpen: true);
        await using (tar.ConfigureAwait(false))
        {
            await AddAsync(tar, localPath, name, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task AddAsync(TarWriter tar, string localPath, string entryName, CancellationToken cancellationToken)
    {
        await tar.WriteEntryAsync(localPath, entryName, cancellationToken).ConfigureAwait(false);
        if (Directory.Exists(localPath) && new DirectoryInfo(localPath).LinkTarget is null)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(localPath))
            {
                await AddAsync(tar, entry, $"{entryName}/{Path.GetFileName(entry)}", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void Collect(Stream stream, StringWriter into)
    {
        using var reader = new StreamReader(stream);
        into.Write(reader.ReadToEnd());
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string ParentOf(string containerPath)
    {
        var trimmed = containerPath.TrimEnd('/');
        var cut = trimmed.LastIndexOf('/');
        return cut <= 0 ? "/" : trimmed[..cut];
    }
}

using System.Text;

namespace Kubetest.Engine;

/// <summary>
/// A batch's JUnit XML once copied out of its container: what <see cref="BatchOutcome"/> may read, or why it may not
/// (a link or a directory, larger than <see cref="InputLimits.MaxBatchJUnitBytes"/>, not UTF-8, a DTD, not
/// well-formed). Never more than the limit is read into memory.
/// </summary>
internal static class BatchJUnit
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>The file's text, or null and why it is not read; both null when there is no file.</summary>
    public static async Task<(string? Xml, string? Problem)> ReadAsync(string local, CancellationToken cancellationToken)
    {
        if (Directory.Exists(local))
        {
            return (null, "it is a directory, not a file");
        }

        // Copies keep links as links: a link the command planted there would be read on this machine
        // (a host file, /dev/zero), so only a regular file counts.
        var file = new FileInfo(local);
        if (!file.Exists)
        {
            return (null, null);
        }

        if (file.LinkTarget is not null)
        {
            return (null, "it is a link, not a file");
        }

        var bytes = await ReadAtMostAsync(local, InputLimits.MaxBatchJUnitBytes, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return (null, $"it is larger than {InputLimits.MaxBatchJUnitBytes / (1024 * 1024)} MiB, the most kubetest reads");
        }

        var start = bytes.AsSpan().StartsWith(ByteOrderMark) ? ByteOrderMark.Length : 0;
        string xml;
        try
        {
            xml = StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException ex)
        {
            var at = ex.Index >= 0 ? $" (line {1 + bytes.AsSpan(start, Math.Min(ex.Index, bytes.Length - start)).Count((byte)'\n')})" : "";
            return (null, $"it is not UTF-8{at}");
        }

        return XmlInput.Problem(xml) is { } problem ? (null, problem) : (xml, null);
    }

    /// <summary>The file's bytes, or null when it holds more than <paramref name="limit"/>; reads at most one byte past it.</summary>
    private static async Task<byte[]?> ReadAtMostAsync(string path, long limit, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            if (stream.Length > limit)
            {
                return null;
            }

            using var content = new MemoryStream((int)stream.Length);
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (content.Length + read > limit)
                {
                    return null;
                }

                content.Write(buffer, 0, read);
            }

            return content.ToArray();
        }
    }
}

using System.Text;

namespace Kubetest.Cli;

/// <summary>The files a run reads before it starts: the manifest, <c>--list</c>, <c>--rerun-failed</c>, <c>--timings</c>.</summary>
internal static class InputFiles
{
    /// <summary>Largest <c>--list</c> or <c>--timings</c> file: millions of keys.</summary>
    public const int MaxSideFileBytes = 64 * 1024 * 1024;

    /// <summary>Reads a text file, refusing one larger than <paramref name="maxBytes"/> (or endless, like /dev/zero) without reading it all.</summary>
    /// <param name="strict">Whether bytes that are not UTF-8 (without a byte order mark naming another encoding) refuse the file instead of becoming U+FFFD.</param>
    public static async Task<string> ReadAsync(string path, string what, int maxBytes, CancellationToken cancellationToken, bool strict = false)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                using var content = new MemoryStream();
                var buffer = new byte[81920];
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    content.Write(buffer, 0, read);
                    if (content.Length > maxBytes)
                    {
                        throw new UserInputException($"the {what} {path} is larger than {maxBytes / (1024 * 1024)} MiB");
                    }
                }

                content.Position = 0;
                using var reader = strict
                    ? new StreamReader(content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true)
                    : new StreamReader(content, detectEncodingFromByteOrderMarks: true);
                return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DecoderFallbackException ex)
        {
            // Replaced silently, such bytes would make keys that match nothing (and a --timings file that times nothing).
            throw new UserInputException($"the {what} {path} is not UTF-8 text", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot read the {what} {path}: {ex.Message}", ex);
        }
    }
}

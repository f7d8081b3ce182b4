using System.IO.Compression;
using System.Text;
using Kubetest.Reporting;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>The document as the ConfigMap keeps it: gzip in binaryData, bounded both ways.</summary>
public sealed partial class ConfigMapTimingStore
{
    /// <summary>The gzip's size: below a ConfigMap's 1 MiB with room for its metadata and other keys.</summary>
    public const int MaxCompressedBytes = 900_000;

    /// <summary>
    /// The JSON before compression: ~10 times the compressed bound, what test ids compress to; unpacking stops one byte past it,
    /// so a gzip bomb costs 16 MiB, never more.
    /// </summary>
    public static readonly TimingLimits ConfigMapLimits = new(MaxKeys: 200_000, MaxBytes: 16 * 1024 * 1024);

    /// <summary>Merges with smaller byte budgets after a compressed document too big; the last round's fits whatever the keys.</summary>
    public const int SizeRounds = 4;

    // JSON of at most this many bytes gzips below MaxCompressedBytes even when nothing compresses
    // (deflate's stored blocks add 5 bytes per 64 KiB, gzip 18 in all).
    private const int IncompressibleBudget = MaxCompressedBytes - (16 * 1024);

    /// <summary>The stored text: binaryData's gzip, else the plain JSON an older kubetest wrote, else none.</summary>
    private static string? Document(V1ConfigMap? configMap)
    {
        if (configMap?.BinaryData is { } binary && binary.TryGetValue(BinaryDataKey, out var gzip))
        {
            return Unpacked(gzip ?? []);
        }

        return configMap?.Data is { } data && data.TryGetValue(OldDataKey, out var text) ? text : null;
    }

    private static string Unpacked(byte[] gzip)
    {
        var limit = ConfigMapLimits.MaxBytes;
        try
        {
            using var unzip = new GZipStream(new MemoryStream(gzip, writable: false), CompressionMode.Decompress);
            using var json = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = unzip.Read(chunk, 0, chunk.Length)) > 0)
            {
                json.Write(chunk, 0, read);
                if (json.Length > limit)
                {
                    throw new UnreadableTimingDocumentException($"its binaryData {BinaryDataKey} unpacks to more than {limit} bytes");
                }
            }

            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(json.GetBuffer(), 0, (int)json.Length);
        }
        catch (Exception ex) when (ex is InvalidDataException or DecoderFallbackException)
        {
            throw new UnreadableTimingDocumentException($"its binaryData {BinaryDataKey} is not gzip-compressed UTF-8 text", ex);
        }
    }

    /// <summary>
    /// The update's document, gzipped within <see cref="MaxCompressedBytes"/>: when it is too big, the update runs again
    /// with a JSON budget scaled down by the overshoot, so the keys seen longest ago are dropped; a few rounds at most.
    /// </summary>
    private byte[] Compressed(string? current, Func<string?, TimingLimits, string> update)
    {
        var limits = ConfigMapLimits;
        for (var round = 1; ; round++)
        {
            var json = Encoding.UTF8.GetBytes(update(current, limits));
            var gzip = Gzip(json);
            if (gzip.Length <= MaxCompressedBytes)
            {
                return gzip;
            }

            if (round == SizeRounds)
            {
                throw new TimingStoreException($"{Name}: cannot update it: its document is {gzip.Length} bytes compressed, more than {MaxCompressedBytes}");
            }

            // 5 % under the proportional budget, as the keys left may compress a little worse than those dropped.
            var scaled = (int)Math.Min(json.Length * 0.95 * MaxCompressedBytes / gzip.Length, limits.MaxBytes - 1);
            limits = limits with { MaxBytes = round == SizeRounds - 1 ? Math.Min(scaled, IncompressibleBudget) : scaled };
        }
    }

    public static byte[] Gzip(byte[] json)
    {
        using var packed = new MemoryStream();
        using (var zip = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zip.Write(json);
        }

        return packed.ToArray();
    }
}

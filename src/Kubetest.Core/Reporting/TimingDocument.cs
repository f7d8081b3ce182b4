using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kubetest.Reporting;

/// <summary>One key's stored duration and the run (<see cref="TimingDocument.Runs"/>) that last saw it.</summary>
public sealed record TimingEntry(double Seconds, long Seen);

/// <summary>
/// What a timing store holds, <c>{"version":1,"runs":N,"keys":{"KEY":[SECONDS,SEEN]}}</c>: each key's
/// duration in its latest run, and the run counter of that run (a pair, not an object: the bytes go to keys). Merging a run replaces the durations of its keys,
/// keeps the others and drops those not seen for <see cref="MaxAge"/> runs; the document stays within
/// the store's <see cref="TimingLimits"/>, the keys seen longest ago dropped first.
/// </summary>
public sealed class TimingDocument
{
    public const int Version = 1;

    /// <summary>A key not seen in this many runs is dropped: it was renamed or deleted.</summary>
    public const int MaxAge = 10;

    /// <summary>A longer key is not stored: a few such keys would push out thousands of ordinary ones.</summary>
    public const int MaxKeyChars = 1024;

    // An entry's bytes besides its key and numbers: "":[,], and a margin for how a double is written.
    private const int EntryOverhead = 8;
    private const int DocumentOverhead = 64;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private TimingDocument(long runs, IReadOnlyDictionary<string, TimingEntry> keys, int droppedForSize = 0) =>
        (Runs, Keys, DroppedForSize) = (runs, keys, droppedForSize);

    /// <summary>Nothing stored yet.</summary>
    public static TimingDocument Empty { get; } = new(0, new Dictionary<string, TimingEntry>(StringComparer.Ordinal));

    /// <summary>How many runs were saved to it: the last one's counter.</summary>
    public long Runs { get; }

    public IReadOnlyDictionary<string, TimingEntry> Keys { get; }

    /// <summary>How many keys the merge that made this document left out to stay within its limits (not those too old or too long).</summary>
    public int DroppedForSize { get; }

    /// <summary>The durations by key, as <c>--timings</c> gives them to the planner.</summary>
    public IReadOnlyDictionary<string, double> Durations() => Keys.ToDictionary(kv => kv.Key, kv => kv.Value.Seconds, StringComparer.Ordinal);

    /// <summary>
    /// The stored text read, or why it cannot be (null text: nothing stored): corrupt JSON, another version,
    /// too big, a key or a value out of bounds. The caller warns and goes on with <see cref="Empty"/>.
    /// </summary>
    public static (TimingDocument? Document, string? Problem) Parse(string? text, TimingLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (text is null)
        {
            return (null, null);
        }

        if (text.Length > limits.MaxBytes || System.Text.Encoding.UTF8.GetByteCount(text) > limits.MaxBytes)
        {
            return (null, $"it is larger than {limits.MaxBytes} bytes");
        }

        try
        {
            using var json = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4 });
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number)
            {
                return (null, "it is not a kubetest timing document (no \"version\")");
            }

            if (!version.TryGetInt32(out var number) || number != Version)
            {
                return (null, $"it has version {version.GetRawText()}, and this kubetest reads version {Version}");
            }

            var runs = root.GetProperty("runs").GetInt64();
            var keys = new Dictionary<string, TimingEntry>(StringComparer.Ordinal);
            foreach (var key in root.GetProperty("keys").EnumerateObject())
            {
                if (key.Value.ValueKind != JsonValueKind.Array || key.Value.GetArrayLength() != 2)
                {
                    return (null, $"the key \"{Printable.Escape(Truncated(key.Name))}\" is not [seconds, run]");
                }

                var seconds = key.Value[0].GetDouble();
                var seen = key.Value[1].GetInt64();
                if (runs < 0 || seen < 0 || seen > runs || seconds < 0 || !double.IsFinite(seconds) || key.Name.Length > MaxKeyChars || keys.Count >= limits.MaxKeys)
                {
                    return (null, $"the key \"{Printable.Escape(Truncated(key.Name))}\" or its values are out of bounds");
                }

                keys[key.Name] = new TimingEntry(seconds, seen);
            }

            return (new TimingDocument(runs, keys), null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            return (null, $"it is not valid: {ex.Message}");
        }
    }

    /// <summary>
    /// This document with one more run: the run's durations replace those stored for its keys, keys not seen
    /// for <see cref="MaxAge"/> runs are dropped, then the oldest seen (and among them the longest names) until
    /// <paramref name="limits"/> hold (<see cref="DroppedForSize"/> counts those). A key longer than
    /// <see cref="MaxKeyChars"/>, a negative or not finite duration is not stored.
    /// </summary>
    public TimingDocument Merge(IReadOnlyDictionary<string, double> durations, TimingLimits limits)
    {
        ArgumentNullException.ThrowIfNull(durations);
        ArgumentNullException.ThrowIfNull(limits);
        var run = Runs + 1;
        var merged = new Dictionary<string, TimingEntry>(StringComparer.Ordinal);
        foreach (var (key, entry) in Keys)
        {
            if (run - entry.Seen < MaxAge)
            {
                merged[key] = entry;
            }
        }

        foreach (var (key, seconds) in durations)
        {
            if (key.Length <= MaxKeyChars && seconds >= 0 && double.IsFinite(seconds))
            {
                merged[key] = new TimingEntry(seconds, run);
            }
        }

        var kept = new Dictionary<string, TimingEntry>(StringComparer.Ordinal);
        long bytes = DocumentOverhead;
        foreach (var (key, entry) in merged.OrderByDescending(kv => kv.Value.Seen).ThenBy(kv => kv.Key.Length).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            bytes += JsonEncodedText.Encode(key, WriterOptions.Encoder).EncodedUtf8Bytes.Length + EntryOverhead
                + Written(entry.Seconds).Length + entry.Seen.ToString(CultureInfo.InvariantCulture).Length;
            if (kept.Count >= limits.MaxKeys || bytes > limits.MaxBytes)
            {
                break;
            }

            kept[key] = entry;
        }

        return new TimingDocument(run, kept, merged.Count - kept.Count);
    }

    /// <summary>The JSON a store keeps, keys in ordinal order so two writes of one document are the same text.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("version", Version);
            w.WriteNumber("runs", Runs);
            w.WriteStartObject("keys");
            foreach (var (key, entry) in Keys.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WriteStartArray(key);
                w.WriteNumberValue(Math.Round(entry.Seconds, 3));
                w.WriteNumberValue(entry.Seen);
                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Written(double seconds) => Math.Round(seconds, 3).ToString("R", CultureInfo.InvariantCulture);

    private static string Truncated(string key) => key.Length > 80 ? key[..80] + "…" : key;
}

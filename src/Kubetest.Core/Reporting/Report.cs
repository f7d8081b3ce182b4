using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kubetest.Reporting;

/// <summary>
/// One key's line of the report; <paramref name="Attempts"/> counts its runs (2 after a retest, 0 when it never started),
/// <paramref name="ElapsedSeconds"/> is <paramref name="ElapsedTimeSec"/> with its fraction (<c>elapsedSeconds</c>, added),
/// <paramref name="Flaky"/> marks a key that failed and then passed on a rerun (<c>flaky: true</c>, written only when true).
/// </summary>
public sealed record ReportDetail(string Name, KeyStatus Status, long ElapsedTimeSec, int Attempts = 1, double? ElapsedSeconds = null, bool Flaky = false);

/// <summary>The run's result, with exactly the original's JSON fields (new fields only ever add).</summary>
public sealed record Report(
    string Status,
    DateTimeOffset StartedAt,
    long ElapsedTimeSec,
    int TotalNum,
    int SuccessNum,
    int FailureNum,
    int UnknownNum,
    IReadOnlyList<ReportDetail> Details,
    IReadOnlyDictionary<string, string> Ext)
{
    /// <summary>Keys that failed and then passed on a rerun (counted in <see cref="SuccessNum"/> too); <c>flakyNum</c>, written only when not 0.</summary>
    public int FlakyNum => Details.Count(d => d.Flaky);

    public const string StatusSuccess = "success";
    public const string StatusFailure = "failure";

    public bool Succeeded => Status == StatusSuccess;

    public static Report Build(DateTimeOffset startedAt, TimeSpan elapsed, IReadOnlyList<ReportDetail> details, IReadOnlyDictionary<string, string> ext, bool stepsFailed)
    {
        var success = details.Count(d => d.Status == KeyStatus.Success);
        var unknown = details.Count(d => d.Status == KeyStatus.Unknown);
        var failure = details.Count - success - unknown;
        var ok = !stepsFailed && failure == 0 && unknown == 0;
        return new Report(ok ? StatusSuccess : StatusFailure, startedAt, (long)elapsed.TotalSeconds, details.Count, success, failure, unknown, details, ext);
    }

    /// <summary>The JSON as the original prints it: keys in alphabetical order, two-space indent.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("details");
            foreach (var d in Details)
            {
                w.WriteStartObject();
                w.WriteNumber("attempts", d.Attempts);
                if (d.ElapsedSeconds is { } seconds)
                {
                    w.WriteNumber("elapsedSeconds", Math.Round(seconds, 3));
                }

                w.WriteNumber("elapsedTimeSec", d.ElapsedTimeSec);
                if (d.Flaky)
                {
                    w.WriteBoolean("flaky", true);
                }

                w.WriteString("name", d.Name);
                w.WriteString("status", StatusText(d.Status));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNumber("elapsedTimeSec", ElapsedTimeSec);
            if (Ext.Count > 0)
            {
                w.WriteStartObject("ext");
                foreach (var (key, value) in Ext.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.WriteString(key, value);
                }

                w.WriteEndObject();
            }

            w.WriteNumber("failureNum", FailureNum);
            if (FlakyNum > 0)
            {
                w.WriteNumber("flakyNum", FlakyNum);
            }

            w.WriteString("startedAt", StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
            w.WriteString("status", Status);
            w.WriteNumber("successNum", SuccessNum);
            w.WriteNumber("totalNum", TotalNum);
            if (UnknownNum > 0)
            {
                w.WriteNumber("unknownNum", UnknownNum);
            }

            w.WriteEndObject();
        }

        // Go's encoding/json keeps non-ASCII, ' and + as they are but escapes <, > and & (and U+2028/9);
        // outside strings none of these can occur, so replacing them in the whole text is safe.
        return Encoding.UTF8.GetString(stream.ToArray())
            .Replace("<", "\\u003c", StringComparison.Ordinal)
            .Replace(">", "\\u003e", StringComparison.Ordinal)
            .Replace("&", "\\u0026", StringComparison.Ordinal)
            .Replace("\u2028", "\\u2028", StringComparison.Ordinal)
            .Replace("\u2029", "\\u2029", StringComparison.Ordinal);
    }

    public static string StatusText(KeyStatus status) => status switch
    {
        KeyStatus.Success => "success",
        KeyStatus.Failure => "failure",
        KeyStatus.Error => "error",
        _ => "unknown",
    };
}

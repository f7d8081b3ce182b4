using System.Globalization;
using System.Text.Json;
using System.Xml;

namespace Kubetest.Reporting;

/// <summary>
/// What earlier runs tell: each key's duration (<c>--timings</c>, from this tool's reports, the
/// original's reports and JUnit XML) and the keys that did not pass (<c>--rerun-failed</c>).
/// </summary>
public static class PastRuns
{
    /// <summary>
    /// Each key's seconds in one timing source. A report gives <c>details[].elapsedSeconds</c>, or the
    /// original's whole <c>elapsedTimeSec</c>; keys that never started (<c>attempts: 0</c>) are left out,
    /// and a key listed twice keeps its longest time. JUnit XML (a file whose first non-blank character
    /// is <c>&lt;</c>) gives each <c>testcase</c>'s <c>time</c> to the key named like its <c>name</c>
    /// and to the key named like its <c>classname</c> (a module, a file, a class run as one key),
    /// summed over the testcases of the file. A key that is some testcase's name takes only the time of
    /// the testcases so named: in kubetest's own JUnit every classname is the TestJob's name, so a key
    /// named like its TestJob keeps its own time instead of the whole run's. Then a key that is a test id takes
    /// the time of the testcases with that id (<see cref="JUnitNames.TestIdOf"/>, looked up as
    /// <see cref="JUnitNames.Normalize"/> writes the key; they answer lookups, see <see cref="TestIdDurations"/>). Last, a key
    /// named by none of these takes the time of the testcases whose id holds it as whole dotted components
    /// (<see cref="JUnitNames"/>: <c>test_os</c> for CPython's <c>test.test_os.FileTests.test_x</c>).
    /// In a file that says its names are escaped keys (kubetest's own), each name is unescaped first.
    /// </summary>
    public static IReadOnlyDictionary<string, double> ReadDurations(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.TrimStart().StartsWith('<') ? ReadJUnit(text, file) : ReadReport(text, file);
    }

    /// <summary>Several sources together: a key's duration is the mean of the sources that know it.</summary>
    public static IReadOnlyDictionary<string, double> Combine(IReadOnlyList<IReadOnlyDictionary<string, double>> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 1)
        {
            return sources[0];
        }

        var listed = Mean(sources.SelectMany(s => s));
        var byTestId = Mean(sources.OfType<TestIdDurations>().SelectMany(s => s.ByTestId));
        return byTestId.Count == 0 ? listed : new TestIdDurations(listed, byTestId);
    }

    private static Dictionary<string, double> Mean(IEnumerable<KeyValuePair<string, double>> durations) => durations
        .GroupBy(kv => kv.Key, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Average(kv => kv.Value), StringComparer.Ordinal);

    /// <summary>
    /// The keys of a report that did not pass: status <c>failure</c>, <c>error</c> and <c>unknown</c>
    /// (never started, e.g. after fail-fast, or lost), in the report's order.
    /// </summary>
    public static IReadOnlyList<string> FailedKeys(string json, string file)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.GetProperty("details").EnumerateArray()
                .Where(d => d.GetProperty("status").GetString() != "success")
                .Select(d => d.GetProperty("name").GetString() ?? "")
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new UserInputException($"--rerun-failed: {file} is not a kubetest report (expected details[].name and details[].status): {ex.Message}", ex);
        }
    }

    private static Dictionary<string, double> ReadReport(string json, string file)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var durations = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var detail in document.RootElement.GetProperty("details").EnumerateArray())
            {
                // A key without a result (never started, or stopped while it ran) has no duration, only a part of one.
                if ((detail.TryGetProperty("attempts", out var attempts) && attempts.GetInt32() == 0)
                    || (detail.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && status.GetString() == "unknown"))
                {
                    continue;
                }

                var name = detail.GetProperty("name").GetString() ?? "";
                var seconds = detail.TryGetProperty("elapsedSeconds", out var fractional)
                    ? fractional.GetDouble()
                    : detail.GetProperty("elapsedTimeSec").GetDouble();
                durations[name] = Math.Max(seconds, durations.GetValueOrDefault(name));
            }

            return durations;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new UserInputException($"--timings: {file} is not a kubetest report (expected details[].name and details[].elapsedTimeSec) nor JUnit XML: {ex.Message}", ex);
        }
    }

    private static IReadOnlyDictionary<string, double> ReadJUnit(string xml, string file)
    {
        var durations = new Dictionary<string, double>(StringComparer.Ordinal);
        var byClassname = new Dictionary<string, double>(StringComparer.Ordinal);
        var byTestId = new Dictionary<string, double>(StringComparer.Ordinal);
        var byScope = new Dictionary<string, double>(StringComparer.Ordinal);
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), XmlInput.Settings());
            var escapedNames = false;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "property"
                    && reader.GetAttribute("name") == JUnitNames.EscapingProperty && reader.GetAttribute("value") == JUnitNames.EscapingValue)
                {
                    // kubetest's own JUnit (it comes before the testcases): names are keys escaped.
                    escapedNames = true;
                }

                if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "testcase")
                {
                    continue;
                }

                var time = reader.GetAttribute("time");
                if (time is null)
                {
                    continue;
                }

                if (!double.TryParse(time, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || !double.IsFinite(seconds))
                {
                    throw new UserInputException($"--timings: {file}, line {((IXmlLineInfo)reader).LineNumber}: testcase time \"{time}\" is not a number of seconds");
                }

                var name = reader.GetAttribute("name") is { } written && escapedNames ? JUnitNames.Unescape(written) : reader.GetAttribute("name");
                var classname = reader.GetAttribute("classname");
                if (name is not null)
                {
                    durations[name] = durations.GetValueOrDefault(name) + seconds;
                }

                if (classname is not null)
                {
                    byClassname[classname] = byClassname.GetValueOrDefault(classname) + seconds;
                }

                if (JUnitNames.TestIdOf(name, classname) is { } id)
                {
                    foreach (var form in id.Forms())
                    {
                        var key = id.Id[form];
                        byTestId[key] = byTestId.GetValueOrDefault(key) + seconds;
                    }
                }

                foreach (var scope in JUnitNames.Scopes(name, classname))
                {
                    byScope[scope] = byScope.GetValueOrDefault(scope) + seconds;
                }
            }

            foreach (var (classname, seconds) in byClassname)
            {
                durations.TryAdd(classname, seconds);
            }

            // A test id that is also a scope is listed with the test id's time (the rules' order); the rest of the
            // test ids answer lookups only, as every testcase has several forms (TestIdDurations).
            foreach (var (id, seconds) in byTestId.Where(entry => byScope.ContainsKey(entry.Key)))
            {
                durations.TryAdd(id, seconds);
            }

            foreach (var (scope, seconds) in byScope)
            {
                durations.TryAdd(scope, seconds);
            }

            return byTestId.Count == 0 ? durations : new TestIdDurations(durations, byTestId);
        }
        catch (XmlException ex)
        {
            throw new UserInputException($"--timings: {file} cannot be read as JUnit XML: {XmlInput.Reason(ex, xml)}", ex);
        }
    }
}

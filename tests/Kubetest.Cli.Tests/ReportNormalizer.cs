using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Turns a run's report JSON and JUnit XML into text that is the same on every run of the same manifest: times,
/// the test's own directory and pod names' random suffixes become placeholders; everything else (statuses,
/// attempts, counts, messages, output tails, and the order of keys and testcases) is kept as written.
/// </summary>
/// <remarks>
/// Keys and testcases are in finishing order: where keys run side by side (several slots or pods) that order is a race,
/// so <c>sortKeys</c> puts them in name order; one slot's order is kept, as a reordering there is a change.
/// </remarks>
internal static partial class ReportNormalizer
{
    public const string Time = "<time>";

    private static readonly string[] ReportTimes = ["startedAt", "elapsedTimeSec", "elapsedSeconds"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Report(string json, string root, bool sortKeys)
    {
        var report = JsonNode.Parse(json)!.AsObject();
        ReplaceTimes(report);
        var details = report["details"]!.AsArray().Select(d => d!.AsObject()).ToList();
        details.ForEach(ReplaceTimes);
        if (sortKeys)
        {
            report["details"] = new JsonArray([.. details.OrderBy(d => (string?)d["name"], StringComparer.Ordinal).Select(d => d.DeepClone())]);
        }

        return Lines(Scrub(report.ToJsonString(Indented), root));
    }

    public static string JUnit(string xml, string root, bool sortKeys)
    {
        var suite = XElement.Parse(xml);
        foreach (var timed in suite.DescendantsAndSelf().Where(e => e.Name.LocalName is "testsuite" or "testcase"))
        {
            ReplaceAttribute(timed, "time");
            ReplaceAttribute(timed, "timestamp");
        }

        foreach (var attribute in suite.DescendantsAndSelf().Attributes())
        {
            attribute.Value = Scrub(attribute.Value, root);
        }

        foreach (var text in suite.DescendantNodes().OfType<XText>())
        {
            text.Value = Scrub(text.Value, root);
        }

        if (sortKeys)
        {
            var cases = suite.Elements("testcase").ToList();
            cases.ForEach(c => c.Remove());
            suite.Add(cases.OrderBy(c => (string?)c.Attribute("name"), StringComparer.Ordinal));
        }

        return Lines(suite.ToString());
    }

    /// <summary>
    /// The test's directory (a fresh one per test), and pod names: a <c>generateName</c> plus 5 random characters on the
    /// local runtime, plus 5 more on Kubernetes (the Job's, then the pod's), from Kubernetes' alphabet without vowels, so
    /// that no word is taken for one. Both become <c>prefix-&lt;pod&gt;</c>, as which pod it was is a random name.
    /// </summary>
    private static string Scrub(string text, string root) =>
        PodSuffix().Replace(text.Replace(root, "<root>", StringComparison.Ordinal), "${prefix}<pod>");

    private static string Lines(string text) => text.ReplaceLineEndings("\n").TrimEnd() + "\n";

    private static void ReplaceTimes(JsonObject node)
    {
        foreach (var name in ReportTimes.Where(node.ContainsKey))
        {
            node[name] = Time;
        }
    }

    private static void ReplaceAttribute(XElement element, string name)
    {
        if (element.Attribute(name) is { } attribute)
        {
            attribute.Value = Time;
        }
    }

    [GeneratedRegex(@"(?<prefix>\b[a-z0-9][a-z0-9.-]*?-)[bcdfghjklmnpqrstvwxz2456789]{5}(-[bcdfghjklmnpqrstvwxz2456789]{5})?\b")]
    private static partial Regex PodSuffix();
}

using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Kubetest.Planning;
using Kubetest.Reporting;

namespace Kubetest.Engine;

/// <summary>
/// Each key's result after a batch ran. From the batch's JUnit XML (<c>KUBETEST_JUNIT</c>) a testcase counts
/// for the key equal to its <c>name</c> or, when no testcase is so named, to its <c>classname</c> (as
/// <c>--timings</c> reads JUnit), and when neither, to the testcases whose dotted id holds the key as whole components
/// (<see cref="JUnitNames"/>; a testcase that holds two of the batch's keys goes to the longer): the key failed when any of its testcases has a <c>failure</c> or <c>error</c>,
/// and its time is their summed <c>time</c>. A key the file does not name (or every key, without a file) is
/// left null when the batch failed (the caller reruns it alone), and when the batch passed it passed, its time
/// a share of what the file's keys leave of the batch's time, in proportion to the keys' expected seconds.
/// </summary>
internal static class BatchOutcome
{
    public static IReadOnlyList<TaskResult?> Resolve(IReadOnlyList<PlannedKey> keys, IReadOnlyList<double> estimates, TaskResult batch, string? junitXml)
    {
        var cases = junitXml is null ? [] : Testcases(junitXml);
        var results = new TaskResult?[keys.Count];
        var known = TimeSpan.Zero;
        var scoped = ScopeOwners(keys, cases);
        for (var i = 0; i < keys.Count; i++)
        {
            var own = cases.Where(c => c.Name == keys[i].Key).ToList();
            if (own.Count == 0)
            {
                own = [.. cases.Where(c => c.Classname == keys[i].Key)];
            }

            if (own.Count == 0)
            {
                var index = i;
                own = [.. cases.Where((_, c) => scoped[c] == index)];
            }

            if (own.Count > 0)
            {
                var elapsed = TimeSpan.FromSeconds(own.Sum(c => c.Seconds));
                var failed = own.Any(c => c.Failed);
                results[i] = new TaskResult(failed ? KeyStatus.Failure : KeyStatus.Success, failed ? batch.ExitCode ?? 1 : 0, elapsed);
                known += elapsed;
            }
        }

        if (batch.Status == KeyStatus.Success)
        {
            var rest = Enumerable.Range(0, keys.Count).Where(i => results[i] is null).ToList();
            var weight = rest.Sum(i => estimates[i]);
            var left = batch.Elapsed > known ? batch.Elapsed - known : TimeSpan.Zero;
            foreach (var i in rest)
            {
                var share = weight > 0 ? estimates[i] / weight : 1.0 / rest.Count;
                results[i] = new TaskResult(KeyStatus.Success, 0, left * share);
            }
        }

        return results;
    }

    /// <summary>For each testcase, the batch key (its index) that holds the most components of its id, or -1.</summary>
    private static int[] ScopeOwners(IReadOnlyList<PlannedKey> keys, List<Testcase> cases)
    {
        var byId = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = keys.Count - 1; i >= 0; i--)
        {
            byId[JUnitNames.Normalize(keys[i].Key)] = i;
        }

        return [.. cases.Select(c => JUnitNames.Scopes(c.Name, c.Classname)
            .Where(byId.ContainsKey)
            .OrderByDescending(scope => scope.Count(ch => ch == '.'))
            .Select(scope => byId[scope])
            .DefaultIfEmpty(-1)
            .First())];
    }

    private sealed record Testcase(string? Name, string? Classname, double Seconds, bool Failed);

    /// <summary>The file's testcases; a file that is not well-formed XML counts as no file (every key falls back).</summary>
    private static List<Testcase> Testcases(string xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            return [.. XDocument.Load(reader).Descendants().Where(e => e.Name.LocalName == "testcase").Select(e => new Testcase(
                (string?)e.Attribute("name"),
                (string?)e.Attribute("classname"),
                double.TryParse((string?)e.Attribute("time"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 && double.IsFinite(s) ? s : 0,
                e.Elements().Any(c => c.Name.LocalName is "failure" or "error")))];
        }
        catch (XmlException)
        {
            return [];
        }
    }
}

using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Kubetest.Engine;

/// <summary>
/// Each key's result after a batch ran. From the batch's JUnit XML (<c>KUBETEST_JUNIT</c>) a key takes, by the first
/// of these rules that gives it any, the testcases named like it, those with it as their classname, those whose test id is
/// the key's (<see cref="JUnitNames.TestIdOf"/>: <c>tests/test_a.py::TestX::test_y[p1]</c>, <c>TestX/sub</c>,
/// <c>com.example.FooTest#testBar</c>; a testcase goes to the key with its longest form), and those whose dotted id holds the
/// key as whole components (<see cref="JUnitNames.Scopes"/>; a testcase that holds two of the batch's keys goes to the
/// longer), as <c>--timings</c> reads JUnit: the key failed when any of its testcases has a <c>failure</c> or <c>error</c>,
/// and its time is their summed <c>time</c>. A key the file does not name (or every key, without a file) is
/// left null when the batch failed (the caller reruns it alone), and when the batch passed it passed.
/// Times: the batch's time that no testcase accounts for (the runner's start-up, a module's import and set-up,
/// keys with no testcase) is shared over all its keys in proportion to their expected seconds (equal shares
/// without any), and a key resolved here gets its testcases' time plus its share. So the times of a passed batch
/// sum to its wall time, and a report of this run is an honest <c>--timings</c> source for the next; the share of a
/// key left null is dropped (its time comes from its run alone).
/// </summary>
internal static class BatchOutcome
{
    /// <summary>The most of a testcase's name a message quotes (a runner may write any length).</summary>
    private const int MaxNameInMessage = 200;

    public static IReadOnlyList<TaskResult?> Resolve(IReadOnlyList<KeyId> keys, IReadOnlyList<double> estimates, TaskResult batch, string? junitXml)
    {
        var cases = junitXml is null ? [] : Testcases(junitXml);
        var results = new TaskResult?[keys.Count];
        var covered = new double[keys.Count];
        var owned = Owned(keys, cases);
        for (var i = 0; i < keys.Count; i++)
        {
            var own = owned[i];
            if (own.Count > 0)
            {
                covered[i] = own.Sum(c => c.Seconds);
                var failed = own.Where(c => c.Failed).ToList();
                results[i] = failed.Count == 0
                    ? new TaskResult(KeyStatus.Success, 0, TimeSpan.Zero)
                    : new TaskResult(KeyStatus.Failure, null, TimeSpan.Zero, FailedBy(failed));
            }
            else if (batch.Status == KeyStatus.Success)
            {
                results[i] = new TaskResult(KeyStatus.Success, 0, TimeSpan.Zero);
            }
        }

        var left = Math.Max(0, batch.Elapsed.TotalSeconds - covered.Sum());
        var weight = estimates.Sum();
        for (var i = 0; i < keys.Count; i++)
        {
            if (results[i] is { } result)
            {
                var share = weight > 0 ? estimates[i] / weight : 1.0 / keys.Count;
                results[i] = result with { Elapsed = TimeSpan.FromSeconds(covered[i] + (left * share)) };
            }
        }

        return results;
    }

    /// <summary>
    /// Each key's testcases by the first rule that gives it any: named like it, with it as their classname, their test id
    /// is the key's, whole components of their id hold it. Dictionaries throughout, so the cost grows with testcases plus keys.
    /// </summary>
    private static List<Testcase>[] Owned(IReadOnlyList<KeyId> keys, List<Testcase> cases)
    {
        var byName = cases.Where(c => c.Name is not null).ToLookup(c => c.Name!, StringComparer.Ordinal);
        var byClassname = cases.Where(c => c.Classname is not null).ToLookup(c => c.Classname!, StringComparer.Ordinal);
        var named = keys.Select(key => byName.Contains(key.Key) || byClassname.Contains(key.Key)).ToArray();
        var byTestId = ByOwner(keys.Count, cases, TestIdOwners(keys, named, cases));
        var byScope = ByOwner(keys.Count, cases, ScopeOwners(keys, cases));
        return [.. keys.Select((key, i) => new[] { byName[key.Key], byClassname[key.Key], byTestId[i], byScope[i] }
            .Select(rule => rule.ToList())
            .FirstOrDefault(rule => rule.Count > 0) ?? [])];
    }

    private static List<Testcase>[] ByOwner(int keyCount, List<Testcase> cases, int[] owners)
    {
        var owned = Enumerable.Range(0, keyCount).Select(_ => new List<Testcase>()).ToArray();
        for (var c = 0; c < cases.Count; c++)
        {
            if (owners[c] >= 0)
            {
                owned[owners[c]].Add(cases[c]);
            }
        }

        return owned;
    }

    /// <summary>
    /// For each testcase, the batch key (its index) whose test id is the longest form of the testcase's
    /// (<see cref="TestId.Forms"/>; the first such key of the batch), or -1. Keys that have testcases by name or
    /// classname are left out: they take no other.
    /// </summary>
    private static int[] TestIdOwners(IReadOnlyList<KeyId> keys, bool[] named, List<Testcase> cases)
    {
        var byId = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = keys.Count - 1; i >= 0; i--)
        {
            if (!named[i])
            {
                byId[JUnitNames.Normalize(keys[i].Key)] = i;
            }
        }

        byId.Remove("");
        var lookup = byId.GetAlternateLookup<ReadOnlySpan<char>>();
        return [.. cases.Select(c => JUnitNames.TestIdOf(c.Name, c.Classname) is { } id
            ? id.Forms().Select(form => lookup.TryGetValue(id.Id.AsSpan()[form], out var key) ? key : -1).FirstOrDefault(key => key >= 0, -1)
            : -1)];
    }

    /// <summary>For each testcase, the batch key (its index) that holds the most components of its id, or -1.</summary>
    private static int[] ScopeOwners(IReadOnlyList<KeyId> keys, List<Testcase> cases)
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

    private sealed record Testcase(string? Name, string? Classname, double Seconds, bool Failed, bool Error);

    /// <summary>
    /// Why a key failed although the batch's exit code is not its own (a passed batch's 0 would read as a pass):
    /// its testcase that failed, named as the file names it.
    /// </summary>
    private static string FailedBy(List<Testcase> failed)
    {
        var first = failed[0];
        var name = Printable.Escape(first.Name ?? first.Classname ?? "");
        if (name.Length > MaxNameInMessage)
        {
            name = name[..MaxNameInMessage] + "…";
        }

        var what = first.Error ? "an error" : "a failure";
        var more = failed.Count > 1 ? $" ({failed.Count - 1} more of its testcases failed)" : "";
        return $"its JUnit testcase \"{name}\" has {what}{more}";
    }

    /// <summary>The file's testcases; a file that is not well-formed XML counts as no file (every key falls back).</summary>
    private static List<Testcase> Testcases(string xml)
    {
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), XmlInput.Settings());
            return [.. XDocument.Load(reader).Descendants().Where(e => e.Name.LocalName == "testcase").Select(e => new Testcase(
                (string?)e.Attribute("name"),
                (string?)e.Attribute("classname"),
                double.TryParse((string?)e.Attribute("time"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 && double.IsFinite(s) ? s : 0,
                e.Elements().Any(c => c.Name.LocalName is "failure" or "error"),
                !e.Elements().Any(c => c.Name.LocalName == "failure") && e.Elements().Any(c => c.Name.LocalName == "error")))];
        }
        catch (XmlException)
        {
            return [];
        }
    }
}

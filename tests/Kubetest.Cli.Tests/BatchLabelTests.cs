using System.Text.Json;
using System.Xml.Linq;

namespace Kubetest.Cli.Tests;

/// <summary>
/// How a batch of keys reads on the console through the real CLI on the local runtime: a long batch as one bounded
/// label (first key … last key, and the count), a short one as its keys, a single key exactly as the original prints it;
/// the report and the JUnit file keep every key.
/// </summary>
public sealed class BatchLabelTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    /// <summary>Writes a JUnit testcase per key (one fails), prints a line, fails: no key runs again.</summary>
    private const string FailingBatch =
        "{ echo '<testsuite>'; while read -r k; do if [ \"$k\" = \"$FAIL\" ]; then echo \"<testcase name='$k'><failure/></testcase>\"; else echo \"<testcase name='$k'/>\"; fi; done < \"$KUBETEST_KEYS_FILE\"; echo '</testsuite>'; } > \"$KUBETEST_JUNIT\"; echo batch output; exit 1";

    private static readonly string[] ThousandsOfKeys = [.. Enumerable.Range(0, 3000).Select(i => $"tests/test_module.py::test_case_{i:D6}")];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failed_batch_of_3000_keys_prints_only_short_lines_naming_its_first_and_last_key_and_its_size(bool live)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var junit = Path.Combine(cli.Root, "junit.xml");
        var manifest = cli.Write("batch.yaml", Manifest(ThousandsOfKeys, FailingBatch, ThousandsOfKeys[1234]));

        var html = Path.Combine(cli.Root, "report.html");
        var run = await cli.RunAsync(live ? ["--live", "--junit", junit, "--html", html, manifest] : ["--junit", junit, "--html", html, manifest]);

        Assert.True(run.ExitCode == 1, Head(run.ToString()));
        var shown = $"{ThousandsOfKeys[0]} … {ThousandsOfKeys[^1]} (3000 keys)";
        Assert.All(run.StderrLines, l => Assert.True(l.Length < 1000, $"a line of {l.Length} characters: {Head(l)}"));
        Assert.Contains($"[TASK_KEY:{shown}] sh -c {FailingBatch}", run.StderrLines);
        Assert.Contains(live ? $"[TASK_KEY:{shown}] batch output" : "batch output", run.StderrLines);
        Assert.Contains($"[WARN] {shown}: exit code 1", run.StderrLines);
        Assert.Contains($"[WARN] {ThousandsOfKeys[1234]}: failed: its JUnit testcase \"{ThousandsOfKeys[1234]}\" has a failure", run.StderrLines);
        var details = run.Report.GetProperty("details").EnumerateArray().ToList();
        Assert.Equal(ThousandsOfKeys, details.Select(d => d.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.Contains($"<span class=\"name\">{shown}</span>", File.ReadAllText(html), StringComparison.Ordinal);
        Assert.DoesNotContain($"{ThousandsOfKeys[0]} {ThousandsOfKeys[1]}", File.ReadAllText(html), StringComparison.Ordinal);
        Assert.Equal(ThousandsOfKeys, XDocument.Load(junit).Descendants("testcase").Select(t => (string?)t.Attribute("name")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task At_debug_level_a_long_batch_lists_all_its_keys_once()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("batch.yaml", Manifest(ThousandsOfKeys[..100], "true", ""));

        var run = await cli.RunAsync("--log-level", "debug", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var listing = Assert.Single(run.StderrLines, l => l.StartsWith("[DEBUG] [TASK_KEY:", StringComparison.Ordinal) && l.Contains(" holds: ", StringComparison.Ordinal));
        Assert.Equal($"[DEBUG] [TASK_KEY:{ThousandsOfKeys[0]} … {ThousandsOfKeys[99]} (100 keys)] holds: {string.Join(" ", ThousandsOfKeys[..100])}", listing);
    }

    [Fact]
    public async Task A_short_batch_shows_its_keys_as_the_key_variable_holds_them()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("batch.yaml", Manifest(["a", "b"], "exit 1", ""));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("[TASK_KEY:a b] sh -c exit 1", run.StderrLines);
        Assert.Contains("[WARN] a b: exit code 1", run.StderrLines);
        Assert.Contains("[TASK_KEY:b] sh -c exit 1", run.StderrLines);
        Assert.Contains("[WARN] b: exit code 1", run.StderrLines);
    }

    [Fact]
    public async Task Two_huge_hostile_keys_in_one_batch_show_cut_and_escaped()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var first = "x\u001b[2J" + new string('a', 50_000);
        var last = "\u202e" + new string('z', 50_000);
        var manifest = cli.Write("batch.yaml", Manifest([first, last], "exit 1", ""));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, Head(run.ToString()));
        Assert.DoesNotContain('\u001b', run.Stderr);
        var shown = $"x\\x1b[2J{new string('a', 191)}… … \\u202e{new string('z', 193)}… (2 keys)";
        Assert.Equal($"[TASK_KEY:{shown}] sh -c exit 1", run.StderrLines.First(l => l.StartsWith("[TASK_KEY:", StringComparison.Ordinal)));
        Assert.Contains($"[WARN] {shown}: exit code 1", run.StderrLines);
        Assert.Equal([first, last], run.Report.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
    }

    /// <summary>One pod, one worker, every key in one batch; <paramref name="fail"/> is the key the JUnit fails.</summary>
    private static string Manifest(IReadOnlyList<string> keys, string script, string fail) =>
        Manifests.Strategy(
            keys.Select(k => JsonEscaped(k)),
            script,
            scheduler: "mode: queue\nmaxPodNum: 1\nmaxConcurrentNumPerPod: 1",
            extraStrategy: $"batch:\n  maxKeys: {Math.Max(2, keys.Count)}",
            extraContainer: $"env:\n  - name: FAIL\n    value: \"{fail}\"");

    private static string Head(string text) => text.Length <= 4000 ? text : text[..4000] + "…";

    /// <summary>A key inside the manifest's double quotes (YAML's escapes are JSON's).</summary>
    private static string JsonEscaped(string key) => JsonSerializer.Serialize(key)[1..^1];
}

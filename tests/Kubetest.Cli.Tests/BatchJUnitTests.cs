using System.Text.Json;
using System.Xml.Linq;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Hostile JUnit XML written by a batch's own command through the real CLI: a file kubetest cannot read is a warning
/// naming the batch and why, and its keys are decided as without a file (a passed batch passes them, a failed one runs
/// them again alone); a key its JUnit fails says so instead of an exit code.
/// </summary>
public sealed class BatchJUnitTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private const string Warning = "[WARN] batch of 3 keys starting with k1: its JUnit XML /tmp/kubetest-junit/0.xml is not read: ";

    /// <summary>Each hostile file would fail k2 if it were read (and, where the batch fails, pass every key).</summary>
    public static TheoryData<string, int, string> Hostile => new()
    {
        {
            // Entities ten deep would expand to 10^10 characters.
            "printf '<?xml version=\"1.0\"?>\\n<!DOCTYPE t [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\\n<testsuite><testcase classname=\"k1\" name=\"&b;\"/><testcase classname=\"k2\" name=\"t\"><failure/></testcase></testsuite>\\n'",
            0,
            "it has a DTD (<!DOCTYPE> at line 2), which is not allowed: kubetest expands no entities (its keys are decided as without one)"
        },
        {
            // The limit and one byte more: 64 MiB + 1 of blanks inside the testsuite.
            "{ printf '<testsuite><testcase classname=\"k2\" name=\"t\"><failure/></testcase>'; head -c 67108865 /dev/zero | tr '\\0' ' '; printf '</testsuite>'; }",
            0,
            "it is larger than 64 MiB, the most kubetest reads (its keys are decided as without one)"
        },
        {
            "printf '<testsuite>\\n<testcase classname=\"k1\" name=\"\\377\\376\"/><testcase classname=\"k2\" name=\"t\"/><testcase classname=\"k3\" name=\"t\"/></testsuite>\\n'",
            1,
            "it is not UTF-8 (line 2) (its keys are decided as without one)"
        },
        {
            "printf '<testsuite><testcase classname=\"k1\" name=\"t\"/><testcase classname=\"k2\" name=\"t\"/><testcase classname=\"k3\" na'",
            1,
            "it is not well-formed XML at line 1, position 109 (its keys are decided as without one)"
        },
    };

    [SkippableTheory]
    [MemberData(nameof(Hostile))]
    public async Task A_JUnit_file_kubetest_cannot_read_is_a_warning_and_the_batchs_keys_are_decided_as_without_one(string write, int batchExit, string reason)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = Write(cli, $"if [ \"$TASK_KEY\" = 'k1 k2 k3' ]; then {write} > \"$KUBETEST_JUNIT\"; exit {batchExit}; fi; [ \"$TASK_KEY\" != k2 ]");

        var run = await cli.RunAsync(manifest);

        Assert.Contains(Warning + reason, run.StderrLines);
        if (batchExit == 0)
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(["k1:success:1", "k2:success:1", "k3:success:1"], Outcomes(run.Report));
        }
        else
        {
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Equal(["k1:success:2", "k2:failure:2", "k3:success:2"], Outcomes(run.Report));
            Assert.Contains("[INFO] batch of 3 keys failed without JUnit XML: 3 of its keys run again one by one", run.StderrLines);
        }

        Assert.Empty(cli.Leftovers());
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_JUnit_file_with_a_DTD_is_a_warning_on_every_runtime(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = Write(cli, $"if [ \"$TASK_KEY\" = 'k1 k2 k3' ]; then {Hostile.First()[0]} > \"$KUBETEST_JUNIT\"; exit 0; fi; exit 1");

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(Warning + Hostile.First()[2], run.StderrLines);
        Assert.Equal(["k1:success:1", "k2:success:1", "k3:success:1"], Outcomes(run.Report));
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_key_failed_by_its_JUnit_testcase_in_a_passed_batch_says_so_not_exit_code_0(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = Write(cli, "printf '<testsuite><testcase classname=\"k1\" name=\"t\"/><testcase classname=\"k2\" name=\"test_b\"><failure message=\"boom\"/></testcase><testcase classname=\"k3\" name=\"t\"/></testsuite>' > \"$KUBETEST_JUNIT\"");
        var junit = Path.Combine(cli.Root, "junit.xml");

        var run = await cli.RunAsync("--junit", junit, manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(["k1:success:1", "k2:failure:1", "k3:success:1"], Outcomes(run.Report));
        Assert.Contains("[WARN] k2: failed: its JUnit testcase \"test_b\" has a failure", run.StderrLines);
        Assert.DoesNotContain(run.StderrLines, l => l.StartsWith("[WARN] k2:", StringComparison.Ordinal) && l.Contains("exit code", StringComparison.Ordinal));
        var failure = XDocument.Load(junit).Descendants("testcase").Single(t => (string?)t.Attribute("name") == "k2").Element("failure")!;
        Assert.Equal(("its JUnit testcase \"test_b\" has a failure", "testcase"), ((string?)failure.Attribute("message"), (string?)failure.Attribute("type")));
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    /// <summary>One pod, one worker, keys k1 k2 k3 as one batch.</summary>
    private static string Write(CliRunner cli, string script) => cli.Write("batch.yaml", Manifests.Strategy(
        ["k1", "k2", "k3"],
        script,
        scheduler: "mode: queue\nmaxPodNum: 1\nmaxConcurrentNumPerPod: 1",
        extraStrategy: "batch:\n  maxKeys: 3"));

    /// <summary>Each key as name:status:attempts, by name.</summary>
    private static List<string> Outcomes(JsonElement report) => [.. report.GetProperty("details").EnumerateArray()
        .Select(d => $"{d.GetProperty("name").GetString()}:{d.GetProperty("status").GetString()}:{d.GetProperty("attempts").GetInt32()}")
        .Order(StringComparer.Ordinal)];
}

using System.Xml.Linq;
using Kubetest.Reporting;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Text the user gives, through the real CLI: a misspelt required field is named with "did you mean", a
/// <c>--timings</c> file that cannot be decoded is refused before anything runs, and a key with bidirectional or
/// control characters is escaped on the console and kept reversibly in the JUnit XML.
/// </summary>
public sealed class TextInputTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private const string Typo = """
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: typo
        spec:
          mainStep:
            template:
              spec:
                containers:
                  - name: test
                    image: alpine
                    comand: [sh, -c, "touch /out/ran"]
                    volumeMounts:
                      - {name: out, mountPath: /out}
                volumes:
                  - name: out
                    hostPath: {path: OUT}
        """;

    [Fact]
    public async Task A_misspelt_command_exits_3_with_one_line_naming_the_typo_and_runs_nothing()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local, sharesHostFiles: true);
        var manifest = cli.Write("typo.yaml", Typo.Replace("OUT", cli.Root, StringComparison.Ordinal));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Equal(
            [$"[ERROR] invalid manifest {manifest}: spec.mainStep.template.spec.containers[0].command (line 10): is required for the main container: kubetest runs this command; `comand` (line 12) is not a field of a Kubernetes Container; did you mean `command`?"],
            run.StderrLines.Where(l => l.Length > 0));
        Assert.Equal("", run.Stdout);
        Assert.False(File.Exists(Path.Combine(cli.Root, "ran")));
    }

    [Theory]
    [InlineData("bytes", "the --timings file {0} is not UTF-8 text")]
    [InlineData("dtd", "--timings: {0} cannot be read as JUnit XML: it has a DTD (<!DOCTYPE> at line 1), which is not allowed: kubetest expands no entities")]
    [InlineData("large", "the --timings file {0} is larger than 64 MiB")]
    [InlineData("json", "--timings: {0} is not a kubetest report (expected details[].name and details[].elapsedTimeSec) nor JUnit XML")]
    public async Task A_timings_file_that_cannot_be_decoded_exits_3_with_one_line_naming_it_before_anything_runs(string kind, string message)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local, sharesHostFiles: true);
        var manifest = cli.Write("job.yaml", Manifests.Single("touch /out/ran", extraPodSpec: $"volumes:\n  - name: out\n    hostPath:\n      path: {cli.Root}", extraContainer: "volumeMounts:\n  - name: out\n    mountPath: /out"));
        var timings = Path.Combine(cli.Root, "timings");
        switch (kind)
        {
            case "bytes":
                await File.WriteAllBytesAsync(timings, [.. "{\"details\": [{\"name\": \"a"u8, 0xff, .. "\", \"elapsedTimeSec\": 1}]}"u8]);
                break;
            case "dtd":
                await File.WriteAllTextAsync(timings, "<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><testsuite><testcase name=\"&b;\" time=\"1\"/></testsuite>");
                break;
            case "large":
                await using (var file = File.Create(timings))
                {
                    file.SetLength((64 * 1024 * 1024) + 1);
                }

                break;
            default:
                await File.WriteAllTextAsync(timings, "[1, 2]");
                break;
        }

        var run = await cli.RunAsync("--timings", timings, manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var line = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.StartsWith("[ERROR] " + string.Format(System.Globalization.CultureInfo.InvariantCulture, message, timings), line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(cli.Root, "ran")));
    }

    [Fact]
    public async Task A_key_with_a_right_to_left_override_and_control_characters_is_escaped_on_the_console_and_kept_in_the_JUnit_name()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        const string Key = "test_\u202Egnp.exe\u0001\\u0041\u200B";
        var list = Path.Combine(cli.Root, "keys");
        await File.WriteAllTextAsync(list, Key + "\nplain\n");
        var manifest = cli.Write("job.yaml", Manifests.Strategy(["unused"], "[ \"$TASK_KEY\" = plain ]"));
        var junit = Path.Combine(cli.Root, "junit.xml");

        var run = await cli.RunAsync("--list", list, "--junit", junit, manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.DoesNotContain(run.Stderr, c => c is '\u202E' or '\u200B' or '\u0001');
        Assert.Contains(run.StderrLines, l => l.Contains("test_\\u202egnp.exe\\x01\\u0041\\u200b", StringComparison.Ordinal));
        var names = XDocument.Load(junit).Descendants("testcase").Select(t => (string)t.Attribute("name")!).ToList();
        Assert.Contains("test_\\u202Egnp.exe\\u0001\\\\u0041\\u200B", names);
        Assert.Equal(["plain", Key], names.Select(JUnitNames.Unescape).Order(StringComparer.Ordinal));
    }
}

using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;

namespace Kubetest.Cli.Tests;

/// <summary>
/// <c>--junit FILE</c> through the real CLI on both runtimes: the file validates against the
/// Jenkins xUnit plugin's junit-10.xsd (Maven Surefire's format) and says what happened to each key.
/// </summary>
public sealed class JUnitTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Passed_failed_and_flaky_keys_are_testcases_with_the_failure_output_and_the_earlier_failure_recorded(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var junit = Path.Combine(cli.Root, "reports", "junit.xml");
        var manifest = cli.Write("junit.yaml", Manifests.Strategy(
            ["ok", "bad<&>", "wobbly"],
            "case $TASK_KEY in ok) echo all good;; wobbly) if [ ! -e /state/wobbly ]; then touch /state/wobbly; echo first try broke; exit 1; fi; echo fine now;; *) echo \"expected <1> & got ]]> 2\"; printf 'bell\\a\\n'; exit 3;; esac",
            extraStrategy: "retest: 1",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));

        var run = await cli.RunAsync("--junit", junit, manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var suite = Validated(junit);
        Assert.Equal(("e2e", "3", "1", "0", "0"), (Attr(suite, "name"), Attr(suite, "tests"), Attr(suite, "failures"), Attr(suite, "errors"), Attr(suite, "skipped")));
        Assert.True(double.Parse(Attr(suite, "time"), System.Globalization.CultureInfo.InvariantCulture) > 0);
        var cases = suite.Elements("testcase").ToDictionary(c => Attr(c, "name"));
        Assert.Equal(["bad<&>", "ok", "wobbly"], cases.Keys.Order(StringComparer.Ordinal));
        Assert.All(cases.Values, c => Assert.Equal("e2e", Attr(c, "classname")));
        Assert.Empty(cases["ok"].Elements());
        Assert.Matches(@"^\d+\.\d{3}$", Attr(cases["ok"], "time"));

        var failure = Assert.Single(cases["bad<&>"].Elements());
        Assert.Equal(("failure", "exit code 3"), (failure.Name.LocalName, Attr(failure, "message")));
        Assert.Equal("expected <1> & got ]]> 2\nbell\\u0007", failure.Value);

        var flaky = Assert.Single(cases["wobbly"].Elements());
        Assert.Equal(("flakyFailure", "exit code 1"), (flaky.Name.LocalName, Attr(flaky, "message")));
        Assert.Equal("first try broke", flaky.Element("system-out")!.Value);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task With_fail_fast_the_keys_that_never_started_are_skipped(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var junit = Path.Combine(cli.Root, "junit.xml");
        var manifest = cli.Write("failfast.yaml", Manifests.Strategy(
            ["k1", "bad", "k3"],
            "echo ran $TASK_KEY; test $TASK_KEY != bad",
            scheduler: "maxContainersPerPod: 10\nmaxConcurrentNumPerPod: 1"));

        var run = await cli.RunAsync("--fail-fast", "--junit", junit, manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var suite = Validated(junit);
        Assert.Equal(("3", "1", "0", "1"), (Attr(suite, "tests"), Attr(suite, "failures"), Attr(suite, "errors"), Attr(suite, "skipped")));
        var cases = suite.Elements("testcase").ToDictionary(c => Attr(c, "name"));
        var skipped = Assert.Single(cases["k3"].Elements());
        Assert.Equal(("skipped", "never started"), (skipped.Name.LocalName, Attr(skipped, "message")));
        Assert.Equal("ran bad", cases["bad"].Element("failure")!.Value);
        Assert.Empty(cases["k1"].Elements());
    }

    [Fact]
    public async Task A_main_step_without_strategy_is_one_testcase_named_like_its_report_line_and_pre_steps_are_none()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var junit = Path.Combine(cli.Root, "junit.xml");
        var manifest = cli.Write("single.yaml", Manifests.Single(
            "echo main says hi; exit 5",
            extraSpec: "preSteps:\n  - name: setup\n    template:\n      spec:\n        containers:\n          - name: setup\n            image: alpine\n            command: [\"sh\", \"-c\", \"echo setting up\"]"));

        var run = await cli.RunAsync("--junit", junit, manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var testcase = Assert.Single(Validated(junit).Elements("testcase"));
        Assert.Equal(run.Report.GetProperty("details")[0].GetProperty("name").GetString(), Attr(testcase, "name"));
        Assert.Equal(("exit code 5", "main says hi"), (Attr(testcase.Element("failure")!, "message"), testcase.Element("failure")!.Value));
    }

    [Fact]
    public async Task An_interrupted_run_still_writes_the_junit_file_with_the_running_key_as_an_error()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var junit = Path.Combine(cli.Root, "junit.xml");
        var manifest = cli.Write("long.yaml", Manifests.Strategy(
            ["quick", "slow"],
            "if [ $TASK_KEY = quick ]; then echo quick-done; exit 0; fi; echo slow-started; sleep 617",
            scheduler: "maxContainersPerPod: 2"));

        var run = await cli.RunAndSignalAsync("INT", "1/2", "--junit", junit, manifest);

        Assert.True(run.ExitCode == 4, run.ToString());
        var suite = Validated(junit);
        Assert.Equal(("2", "0", "1", "0"), (Attr(suite, "tests"), Attr(suite, "failures"), Attr(suite, "errors"), Attr(suite, "skipped")));
        var cases = suite.Elements("testcase").ToDictionary(c => Attr(c, "name"));
        Assert.Empty(cases["quick"].Elements());
        var error = Assert.Single(cases["slow"].Elements());
        Assert.Equal("error", error.Name.LocalName);
        Assert.StartsWith("no result", Attr(error, "message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_in_a_failed_key_s_output_is_masked_in_the_junit_file_and_the_html_report()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var token = "ghp_" + Guid.NewGuid().ToString("N");
        cli.Environment["KUBETEST_SECRET_GH_TOKEN"] = token;
        var junit = Path.Combine(cli.Root, "junit.xml");
        var manifest = cli.Write("secret.yaml", Manifests.Strategy(
            ["leaky"],
            "echo token is $(cat /secrets/token); exit 2",
            extraSpec: "tokens:\n  - name: tok\n    value:\n      githubToken:\n        name: gh\n        key: token",
            extraPodSpec: "volumes:\n  - name: token\n    token:\n      name: tok",
            extraContainer: "volumeMounts:\n  - name: token\n    mountPath: /secrets/token"));

        var html = Path.Combine(cli.Root, "report.html");

        var run = await cli.RunAsync("--junit", junit, "--html", html, manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var text = File.ReadAllText(junit);
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.Equal("token is ***", Validated(junit).Element("testcase")!.Element("failure")!.Value);
        var page = File.ReadAllText(html);
        Assert.DoesNotContain(token, page, StringComparison.Ordinal);
        Assert.Contains("token is ***", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/proc/kubetest-junit.xml")]
    [InlineData("existing-directory")]
    public async Task A_junit_path_that_cannot_be_written_exits_3_before_anything_runs(string path)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        Directory.CreateDirectory(Path.Combine(cli.Root, "existing-directory"));
        var marker = Path.Combine(cli.Root, "ran");
        var manifest = cli.Write("marker.yaml", Manifests.Single(
            "touch /out/ran",
            extraPodSpec: $"volumes:\n  - name: out\n    hostPath:\n      path: {cli.Root}",
            extraContainer: "volumeMounts:\n  - name: out\n    mountPath: /out"));
        var before = Directory.GetFileSystemEntries(cli.Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        var run = await cli.RunAsync("--junit", path, manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.StartsWith($"[ERROR] --junit: cannot write {path}: ", error, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
        Assert.False(File.Exists(marker), "nothing may run");
        Assert.Equal(before, Directory.GetFileSystemEntries(cli.Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList());
    }

    private static string Attr(XElement element, string name) => (string?)element.Attribute(name) ?? throw new Xunit.Sdk.XunitException($"<{element.Name}> has no {name}");

    /// <summary>The file's root, after validating it against junit-10.xsd (any schema error fails the test).</summary>
    private static XElement Validated(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var schemas = new XmlSchemaSet();
        schemas.Add(null, Path.Combine(AppContext.BaseDirectory, "Schemas", "junit-10.xsd"));
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = schemas };
        settings.ValidationEventHandler += (_, e) => errors.Add($"{e.Severity}: {e.Message}");
        using (var reader = XmlReader.Create(path, settings))
        {
            while (reader.Read())
            {
            }
        }

        Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n" + File.ReadAllText(path));
        return XDocument.Load(path).Root!;
    }
}

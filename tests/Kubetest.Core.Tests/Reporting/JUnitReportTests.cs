using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Reporting;

public sealed class JUnitReportTests
{
    private static readonly PlanStep Keys = new KeysStep(null!, null, "TASK_KEY", new Scheduler(0, 0, 0), null, null, null);
    private static readonly DateTimeOffset Start = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Fact]
    public void A_run_with_passed_failed_flaky_never_started_and_lost_keys_is_one_valid_testsuite_with_their_counts()
    {
        var runs = new JUnitCollector(TimeProvider.System);
        Run(runs, "ok", 1, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(1.25)), "fine");
        Run(runs, "bad", 1, new TaskResult(KeyStatus.Failure, 3, TimeSpan.FromSeconds(2.5)), "expected 1", "got 2");
        Run(runs, "wobbly", 1, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(0.5)), "first try broke");
        Run(runs, "wobbly", 2, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(0.75)), "second try fine");
        Run(runs, "lost", 1, new TaskResult(KeyStatus.Unknown, null, TimeSpan.FromSeconds(3), "connection to the pod lost"), "half");
        var report = Report.Build(Start, TimeSpan.FromSeconds(9), [
            new ReportDetail("ok", KeyStatus.Success, 1, 1, 1.25),
            new ReportDetail("bad", KeyStatus.Failure, 2, 1, 2.5),
            new ReportDetail("wobbly", KeyStatus.Success, 0, 2, 0.75, Flaky: true),
            new ReportDetail("lost", KeyStatus.Unknown, 3, 1, 3),
            new ReportDetail("later", KeyStatus.Unknown, 0, 0),
        ], new Dictionary<string, string>(), stepsFailed: false);

        var xml = JUnitReport.Write(report, "my-job", TimeSpan.FromSeconds(9.5), runs);

        Assert.Empty(JUnitSchema.Errors(xml));
        var suite = XDocument.Parse(xml).Root!;
        Assert.Equal("testsuite", suite.Name.LocalName);
        Assert.Equal(("my-job", "5", "1", "1", "1", "9.500", "2026-03-04T05:06:07"), ((string)suite.Attribute("name")!, (string)suite.Attribute("tests")!, (string)suite.Attribute("failures")!, (string)suite.Attribute("errors")!, (string)suite.Attribute("skipped")!, (string)suite.Attribute("time")!, (string)suite.Attribute("timestamp")!));
        var cases = suite.Elements("testcase").ToDictionary(c => (string)c.Attribute("name")!);
        Assert.Equal(["ok", "bad", "wobbly", "lost", "later"], cases.Keys);
        Assert.All(cases.Values, c => Assert.Equal("my-job", (string)c.Attribute("classname")!));
        Assert.Equal("1.250", (string)cases["ok"].Attribute("time")!);
        Assert.Empty(cases["ok"].Elements());

        var failure = Assert.Single(cases["bad"].Elements());
        Assert.Equal(("failure", "exit code 3", "exit code"), (failure.Name.LocalName, (string)failure.Attribute("message")!, (string)failure.Attribute("type")!));
        Assert.Equal("expected 1\ngot 2", failure.Value);

        var flaky = Assert.Single(cases["wobbly"].Elements());
        Assert.Equal(("flakyFailure", "exit code 1"), (flaky.Name.LocalName, (string)flaky.Attribute("message")!));
        Assert.Equal("first try broke", flaky.Element("system-out")!.Value);
        Assert.Equal("0.750", (string)cases["wobbly"].Attribute("time")!);

        var error = Assert.Single(cases["lost"].Elements());
        Assert.Equal(("error", "no result: connection to the pod lost"), (error.Name.LocalName, (string)error.Attribute("message")!));
        Assert.Equal("half", error.Value);

        var skipped = Assert.Single(cases["later"].Elements());
        Assert.Equal(("skipped", "never started"), (skipped.Name.LocalName, (string)skipped.Attribute("message")!));
    }

    [Fact]
    public void Markup_quotes_cdata_ends_and_control_characters_in_keys_and_output_stay_valid_xml_and_read_back()
    {
        const string Key = "a<b>&\"c\"]]>'d";
        var runs = new JUnitCollector(TimeProvider.System);
        Run(runs, Key, 1, new TaskResult(KeyStatus.Failure, 2, TimeSpan.FromSeconds(1)), "<x>&amp;]]>\"", "bell\a nul\0 esc\u001b[31mred\u001b[0m cr\r", "lone \uD800 surrogate, emoji 😀");
        var report = Report.Build(Start, TimeSpan.FromSeconds(1), [new ReportDetail(Key, KeyStatus.Failure, 1, 1, 1)], new Dictionary<string, string>(), false);

        var xml = JUnitReport.Write(report, "job\u0001", TimeSpan.FromSeconds(1), runs);

        Assert.Empty(JUnitSchema.Errors(xml));
        var suite = XDocument.Parse(xml).Root!;
        Assert.Equal("job\\u0001", (string)suite.Attribute("name")!);
        var testcase = Assert.Single(suite.Elements("testcase"));
        Assert.Equal(Key, (string)testcase.Attribute("name")!);
        Assert.Equal("<x>&amp;]]>\"\nbell\\u0007 nul\\u0000 escred cr\nlone \\uD800 surrogate, emoji 😀", testcase.Element("failure")!.Value);
    }

    [Fact]
    public void Only_the_tail_of_a_long_output_is_kept_and_preSteps_and_finalizers_are_not_testcases()
    {
        var runs = new JUnitCollector(TimeProvider.System);
        var pre = new PodStep(StepKind.PreStep, "setup", null!, null);
        var preTask = new TaskId(pre, "setup", 1, "", "main");
        runs.On(new TaskStarted(preTask, "setup", null, null));
        runs.On(new CommandFinished(preTask, new TaskResult(KeyStatus.Failure, 1, TimeSpan.Zero)));
        var lines = Enumerable.Range(1, 10_000).Select(i => $"line {i}").ToArray();
        Run(runs, "noisy", 1, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(1)), lines);
        var finalizer = new TaskId(Keys, "noisy", 1, "", "noisy");
        runs.On(new TaskStarted(finalizer, "cleanup", null, null));
        runs.On(new TaskOutput(finalizer, OutputStream.Stdout, "finalizer line"));
        runs.On(new CommandFinished(finalizer, new TaskResult(KeyStatus.Failure, 9, TimeSpan.Zero)));

        var attempt = Assert.Single(runs.AttemptsOf("noisy"));
        Assert.Equal(JUnitCollector.TruncatedMarker + "\n" + string.Join('\n', lines[^50..]), attempt.OutputTail);
        Assert.Empty(runs.AttemptsOf("setup"));

        var huge = new OutputTail();
        huge.Add(new string('x', 100_000));
        huge.Add("end");
        Assert.True(huge.ToString().Length <= OutputTail.DefaultMaxChars + 1);
        Assert.EndsWith("x\nend", huge.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_of_a_run_whose_preStep_failed_are_all_skipped()
    {
        var report = Report.Build(Start, TimeSpan.FromSeconds(1), [new ReportDetail("k1", KeyStatus.Unknown, 0, 0), new ReportDetail("k2", KeyStatus.Unknown, 0, 0)], new Dictionary<string, string>(), true);

        var xml = JUnitReport.Write(report, "job", TimeSpan.FromSeconds(1), new JUnitCollector(TimeProvider.System));

        Assert.Empty(JUnitSchema.Errors(xml));
        var suite = XDocument.Parse(xml).Root!;
        Assert.Equal(("2", "0", "0", "2"), ((string)suite.Attribute("tests")!, (string)suite.Attribute("failures")!, (string)suite.Attribute("errors")!, (string)suite.Attribute("skipped")!));
        Assert.All(suite.Elements("testcase"), c => Assert.Equal("skipped", Assert.Single(c.Elements()).Name.LocalName));
    }

    [Fact]
    public void The_schema_check_rejects_what_junit_readers_would_not_take()
    {
        Assert.NotEmpty(JUnitSchema.Errors("<testsuite name=\"x\" tests=\"1\" failures=\"0\" errors=\"0\"><testcase><bogus/></testcase></testsuite>"));
    }

    private static void Run(JUnitCollector runs, string key, int attempt, TaskResult result, params string[] output)
    {
        var task = new TaskId(Keys, key, attempt, "", "main0-0");
        runs.On(new TaskStarted(task, "run", "TASK_KEY", key));
        foreach (var line in output)
        {
            runs.On(new TaskOutput(task, OutputStream.Stdout, line));
        }

        runs.On(new KeyFinished(task, result, 1, 1));
    }
}

/// <summary>Validates JUnit XML against the Jenkins xUnit plugin's junit-10.xsd (Maven Surefire's format).</summary>
internal static class JUnitSchema
{
    private static readonly Lazy<XmlSchemaSet> Schemas = new(() =>
    {
        var set = new XmlSchemaSet();
        set.Add(null, Path.Combine(AppContext.BaseDirectory, "Reporting", "Schemas", "junit-10.xsd"));
        set.Compile();
        return set;
    });

    public static IReadOnlyList<string> Errors(string xml)
    {
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = Schemas.Value };
        settings.ValidationEventHandler += (_, e) => errors.Add($"{e.Severity}: {e.Message} (line {e.Exception?.LineNumber})");
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        while (reader.Read())
        {
        }

        return errors;
    }
}

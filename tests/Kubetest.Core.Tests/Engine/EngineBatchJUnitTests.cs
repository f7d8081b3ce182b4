using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Engine;

/// <summary>
/// A batch's JUnit XML that cannot be read is a warning naming the batch and why, and its keys are decided as without
/// a file; a key its JUnit fails says so, not an exit code. Against the in-memory runtime.
/// </summary>
public sealed class EngineBatchJUnitTests : IDisposable
{
    private const string Dtd = """
        <?xml version="1.0"?>
        <!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
        <testsuite><testcase classname="k1" name="&b;"/><testcase classname="k2" name="t"><failure/></testcase><testcase classname="k3" name="t"/></testsuite>
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-engine-batch-junit-tests-").FullName;
    private readonly RunWorkspace _workspace;

    public EngineBatchJUnitTests()
    {
        _workspace = RunWorkspace.Create(_root, RunOwner.Current());
    }

    public void Dispose()
    {
        _workspace.Dispose();
        FileTree.Delete(_root);
    }

    [Fact]
    public async Task A_JUnit_file_with_a_DTD_is_a_warning_naming_the_batch_and_a_passed_batch_passes_its_keys()
    {
        var runtime = new FakePodRuntime { OnExec = e => e.Key is "k1 k2 k3" ? ExecOutcome.Success.WithFile(e.Command[5], Dtd) : ExecOutcome.Exit(1) };
        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, observer);

        // Read, the file would have failed k2.
        Assert.Equal(["k1 k2 k3"], KeyExecs(runtime));
        Assert.All(result.Report.Details, d => Assert.Equal((KeyStatus.Success, 1), (d.Status, d.Attempts)));
        Assert.Equal(
            "batch of 3 keys starting with k1: its JUnit XML /tmp/kubetest-junit/0.xml is not read: it has a DTD (<!DOCTYPE> at line 2), which is not allowed: kubetest expands no entities (its keys are decided as without one)",
            Assert.Single(Warnings(observer)));
    }

    [Fact]
    public async Task A_truncated_JUnit_file_is_a_warning_and_a_failed_batch_runs_its_keys_again_alone()
    {
        var runtime = new FakePodRuntime
        {
            OnExec = e => e.Key switch
            {
                "k1 k2 k3" => ExecOutcome.Exit(1).WithFile(e.Command[5], "<testsuite><testcase classname=\"k1\" name=\"t\"/><testcase classname=\"k2\" name=\"t\"/><testcase cl"),
                "k2" => ExecOutcome.Exit(1),
                _ => ExecOutcome.Success,
            },
        };
        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, observer);

        Assert.Equal(["k1 k2 k3", "k1", "k2", "k3"], KeyExecs(runtime));
        var details = result.Report.Details.ToDictionary(d => d.Name);
        Assert.Equal((KeyStatus.Success, 2), (details["k1"].Status, details["k1"].Attempts));
        Assert.Equal((KeyStatus.Failure, 2), (details["k2"].Status, details["k2"].Attempts));
        Assert.Equal((KeyStatus.Success, 2), (details["k3"].Status, details["k3"].Attempts));
        Assert.Equal(
            "batch of 3 keys starting with k1: its JUnit XML /tmp/kubetest-junit/0.xml is not read: it is not well-formed XML at line 1, position 94 (its keys are decided as without one)",
            Assert.Single(Warnings(observer)));
    }

    [Fact]
    public async Task A_key_whose_JUnit_testcase_failed_in_a_passed_batch_fails_by_that_testcase_not_by_an_exit_code()
    {
        const string Xml = """<testsuite><testcase classname="k1" name="t"/><testcase classname="k2" name="test_b"><error/></testcase><testcase classname="k2" name="test_c"><failure/></testcase><testcase classname="k3" name="t"/></testsuite>""";
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Success.WithFile(e.Command[5], Xml) };
        var observer = new RecordingObserver();
        var console = new StringWriter();

        var result = await RunAsync(runtime, new Observers(observer, new TextReporter(console, LogLevel.Info, live: false, _root)));

        Assert.Equal(["k1 k2 k3"], KeyExecs(runtime));
        var k2 = observer.Of<KeyFinished>().Single(f => f.Task.Name == "k2").Result;
        Assert.Equal((KeyStatus.Failure, null, "its JUnit testcase \"test_b\" has an error (1 more of its testcases failed)"), (k2.Status, k2.ExitCode, k2.Message));
        Assert.Equal((1, 2, 1), (result.Report.FailureNum, result.Report.SuccessNum, result.Report.Details.Single(d => d.Name == "k2").Attempts));
        Assert.Contains("[WARN] k2: failed: its JUnit testcase \"test_b\" has an error (1 more of its testcases failed)", console.ToString().Split('\n'));
        Assert.DoesNotContain("exit code 0", console.ToString(), StringComparison.Ordinal);
    }

    private static List<string> Warnings(RecordingObserver observer) => [.. observer.Of<LogEvent>().Where(l => l.Level == LogLevel.Warn).Select(l => l.Message)];

    private static List<string?> KeyExecs(FakePodRuntime runtime) => [.. runtime.Execs.Where(e => e.Key is not null).Select(e => e.Key)];

    private Task<RunResult> RunAsync(FakePodRuntime runtime, IRunObserver observer)
    {
        const string Manifest = """
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata:
              name: batch-junit-test
            spec:
              mainStep:
                strategy:
                  batch: {maxKeys: 3}
                  scheduler: {mode: queue, maxConcurrentNumPerPod: 1}
                  key:
                    env: TASK_KEY
                    source:
                      static: [k1, k2, k3]
                template:
                  spec:
                    containers:
                      - name: test
                        image: alpine
                        command: [go, test, -run, $TASK_KEY]
            """;
        var job = ManifestLoader.Load(Manifest, "test.yaml", new Dictionary<string, string>()).Job;
        var engine = new TestJobEngine(runtime, observer, TimeProvider.System);
        return engine.RunAsync(job, _workspace, new RunOptions(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }
}

using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Engine;

/// <summary>
/// <c>strategy.batch</c> against the in-memory runtime: one command for several keys (the key variable holds them
/// joined), one report entry per key, from the batch's JUnit XML or else from single reruns of a failed batch.
/// </summary>
public sealed class EngineBatchTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-engine-batch-tests-").FullName;
    private readonly RunWorkspace _workspace;

    public EngineBatchTests()
    {
        _workspace = RunWorkspace.Create(_root, RunOwner.Current());
    }

    public void Dispose()
    {
        _workspace.Dispose();
        FileTree.Delete(_root);
    }

    [Fact]
    public async Task Six_keys_with_max_keys_3_on_one_worker_run_as_two_commands_and_the_report_has_each_key_once()
    {
        var runtime = new FakePodRuntime();

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4, k5, k6]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}"));

        Assert.Equal(["k1 k2 k3", "k4 k5 k6"], KeyExecs(runtime).Select(e => e.Key));
        var exec = KeyExecs(runtime)[0];
        Assert.Equal(["sh", "-c"], exec.Command.Take(2));
        Assert.Equal(["kubetest-key", "k1 k2 k3", "/tmp/kubetest-junit/0.xml", "/tmp/kubetest-keys/0.txt", "sh", "-c", "go test -run $TASK_KEY", "k1", "k2", "k3"], exec.Command.Skip(3));
        Assert.Contains("export TASK_KEY KUBETEST_JUNIT KUBETEST_KEYS_FILE", exec.Command[2], StringComparison.Ordinal);
        Assert.True(result.Report.Succeeded);
        Assert.Equal(["k1", "k2", "k3", "k4", "k5", "k6"], result.Report.Details.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.Equal((6, 6), (result.Report.TotalNum, result.Report.SuccessNum));
        Assert.All(result.Report.Details, d => Assert.Equal(1, d.Attempts));
    }

    [Fact]
    public async Task The_delimiter_joins_the_keys()
    {
        var runtime = new FakePodRuntime();

        await RunAsync(runtime, Job("[a, b, c, d]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 2, delimiter: \",\"}"));

        Assert.Equal(["a,b", "c,d"], KeyExecs(runtime).Select(e => e.Key));
    }

    [Fact]
    public async Task With_timings_batches_stay_within_target_seconds_and_shrink_at_the_end()
    {
        var timings = new Dictionary<string, double> { ["big"] = 30, ["a"] = 3, ["b"] = 3, ["c"] = 3, ["d"] = 3, ["e"] = 3, ["f"] = 3, ["g"] = 3, ["h"] = 3 };
        var runtime = new FakePodRuntime();

        var result = await RunAsync(runtime, Job("[a, b, c, d, e, f, g, h, big]", "maxConcurrentNumPerPod: 2", "batch: {targetSeconds: 10}"), new RunOptions(Durations: timings));

        // 2 workers, 54 s: big alone (longest first, above the target); then 24 s left, share 12: 3 keys (9 s, a
        // 4th would pass 10 s); 15 s left, share 7.5: 2 keys; then 9, 6, 3 s left: single keys.
        var batches = KeyExecs(runtime).Select(e => e.Key!.Split(' ')).ToList();
        Assert.Contains(batches, b => b is ["big"]);
        Assert.Equal([3, 2, 1, 1, 1, 1], batches.Select(b => b.Length).OrderDescending());
        Assert.Equal(timings.Keys.Order(StringComparer.Ordinal), batches.SelectMany(b => b).Order(StringComparer.Ordinal));
        Assert.Equal(9, result.Report.SuccessNum);
    }

    [Fact]
    public async Task A_failed_batch_without_JUnit_reruns_its_keys_one_by_one_and_the_report_names_the_failing_key()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key is { } k && k.Split(' ').Contains("k5") ? 1 : 0) };
        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4, k5, k6]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}"), observer: observer);

        Assert.Equal(["k1 k2 k3", "k4 k5 k6", "k4", "k5", "k6"], KeyExecs(runtime).Select(e => e.Key));
        Assert.Equal((6, 5, 1), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum));
        var failed = Assert.Single(result.Report.Details, d => d.Status == KeyStatus.Failure);
        Assert.Equal(("k5", 2), (failed.Name, failed.Attempts));
        Assert.All(result.Report.Details.Where(d => d.Name is "k4" or "k6"), d => Assert.Equal((KeyStatus.Success, 2, false), (d.Status, d.Attempts, d.Flaky)));
        Assert.All(result.Report.Details.Where(d => d.Name is "k1" or "k2" or "k3"), d => Assert.Equal(1, d.Attempts));
        Assert.Equal(6, observer.Of<KeyFinished>().Count(f => f.Total == 6));
    }

    [Fact]
    public async Task A_batch_that_writes_JUnit_gives_each_key_its_status_and_time_without_reruns()
    {
        const string Xml = """
            <testsuite name="t">
              <testcase classname="k1" name="test_one" time="1.5"/>
              <testcase classname="k1" name="test_two" time="0.5"><failure message="boom"/></testcase>
              <testcase classname="k2" name="test_x" time="2.25"/>
              <testcase classname="other" name="k3" time="4"/>
            </testsuite>
            """;
        var runtime = new FakePodRuntime
        {
            OnExec = e => e.Key is "k1 k2 k3" ? ExecOutcome.Exit(1).WithFile(e.Command[5], Xml) : ExecOutcome.Success,
        };

        var result = await RunAsync(runtime, Job("[k1, k2, k3]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}"));

        Assert.Equal(["k1 k2 k3"], KeyExecs(runtime).Select(e => e.Key));
        var details = result.Report.Details.ToDictionary(d => d.Name);
        Assert.Equal((KeyStatus.Failure, 1, 2.0), (details["k1"].Status, details["k1"].Attempts, details["k1"].ElapsedSeconds));
        Assert.Equal((KeyStatus.Success, 2.25), (details["k2"].Status, details["k2"].ElapsedSeconds));
        Assert.Equal((KeyStatus.Success, 4.0), (details["k3"].Status, details["k3"].ElapsedSeconds));
        Assert.Equal((3, 2, 1), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum));
    }

    [Fact]
    public async Task A_key_the_JUnit_file_misses_falls_back_to_a_single_rerun_when_the_batch_failed()
    {
        const string Xml = """<testsuite><testcase classname="k1" name="t" time="1"/></testsuite>""";
        var runtime = new FakePodRuntime
        {
            OnExec = e => e.Key switch
            {
                "k1 k2" => ExecOutcome.Exit(2).WithFile(e.Command[5], Xml),
                "k2" => ExecOutcome.Exit(2),
                _ => ExecOutcome.Success,
            },
        };

        var result = await RunAsync(runtime, Job("[k1, k2]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 2}"));

        Assert.Equal(["k1 k2", "k2"], KeyExecs(runtime).Select(e => e.Key));
        var details = result.Report.Details.ToDictionary(d => d.Name);
        Assert.Equal((KeyStatus.Success, 1), (details["k1"].Status, details["k1"].Attempts));
        Assert.Equal((KeyStatus.Failure, 2), (details["k2"].Status, details["k2"].Attempts));
    }

    [Fact]
    public async Task When_the_JUnit_file_names_the_failed_key_the_keys_it_does_not_name_run_again_together_and_pass()
    {
        const string Xml = """<testsuite><testcase classname="k1" name="t" time="1"><failure/></testcase></testsuite>""";
        var runtime = new FakePodRuntime
        {
            OnExec = e => e.Key switch
            {
                "k1 k2 k3 k4" => ExecOutcome.Exit(1).WithFile(e.Command[5], Xml),
                _ => ExecOutcome.Success,
            },
        };
        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 4}"), observer: observer);

        // k1's failure explains the batch's: k2–k4 (no testcase, as for a module skipped whole) run as one more batch.
        Assert.Equal(["k1 k2 k3 k4", "k2 k3 k4"], KeyExecs(runtime).Select(e => e.Key));
        var details = result.Report.Details.ToDictionary(d => d.Name);
        Assert.Equal((KeyStatus.Failure, 1), (details["k1"].Status, details["k1"].Attempts));
        Assert.All(["k2", "k3", "k4"], k => Assert.Equal((KeyStatus.Success, 2, false), (details[k].Status, details[k].Attempts, details[k].Flaky)));
        Assert.Equal((4, 3, 1), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum));
        Assert.Contains(observer.Of<LogEvent>(), l => l.Message.Contains("the 3 keys it does not name run again together", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_the_keys_run_again_together_fail_without_a_file_they_run_one_by_one_and_retest_still_has_its_rerun()
    {
        const string Xml = """<testsuite><testcase classname="k1" name="t" time="1"><failure/></testcase></testsuite>""";
        var k3Runs = 0;
        var runtime = new FakePodRuntime
        {
            OnExec = e => e.Key switch
            {
                "k1 k2 k3 k4" => ExecOutcome.Exit(1).WithFile(e.Command[5], Xml),
                "k2 k3 k4" => ExecOutcome.Exit(1),
                "k3" => ExecOutcome.Exit(Interlocked.Increment(ref k3Runs) == 1 ? 1 : 0),
                _ => ExecOutcome.Success,
            },
        };

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 4}\n      retest: 1"));

        // k1 is retested (it failed in the batch); k3 fails alone on its 3rd run, which is not yet a retest: its 4th is, and passes.
        Assert.Equal(["k1 k2 k3 k4", "k2 k3 k4", "k2", "k3", "k4", "k1", "k3"], KeyExecs(runtime).Select(e => e.Key));
        var details = result.Report.Details.ToDictionary(d => d.Name);
        Assert.Equal((KeyStatus.Success, 4, true), (details["k3"].Status, details["k3"].Attempts, details["k3"].Flaky));
        Assert.All(["k2", "k4"], k => Assert.Equal((KeyStatus.Success, 3, false), (details[k].Status, details[k].Attempts, details[k].Flaky)));
        Assert.Equal((KeyStatus.Success, 2, true), (details["k1"].Status, details["k1"].Attempts, details["k1"].Flaky));
    }

    [Fact]
    public async Task A_single_undecided_key_runs_alone_rather_than_as_a_batch_of_one()
    {
        const string Xml = """<testsuite><testcase classname="k1" name="t" time="1"><failure/></testcase><testcase classname="k2" name="t" time="1"/></testsuite>""";
        var runtime = new FakePodRuntime { OnExec = e => e.Key is "k1 k2 k3" ? ExecOutcome.Exit(1).WithFile(e.Command[5], Xml) : ExecOutcome.Success };

        var result = await RunAsync(runtime, Job("[k1, k2, k3]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}"));

        Assert.Equal(["k1 k2 k3", "k3"], KeyExecs(runtime).Select(e => e.Key));
        Assert.Equal(2, Assert.Single(result.Report.Details, d => d.Name == "k3").Attempts);
    }

    [Fact]
    public async Task Retest_reruns_a_failed_key_alone_after_its_single_rerun()
    {
        var runs = 0;
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key is { } k && k.Split(' ').Contains("b") && Interlocked.Increment(ref runs) < 3 ? 1 : 0) };

        var result = await RunAsync(runtime, Job("[a, b]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 2}\n      retest: 1"));

        // The batch failed, b alone failed (attempt 2), the retest passed it (attempt 3): flaky.
        Assert.Equal(["a b", "a", "b", "b"], KeyExecs(runtime).Select(e => e.Key));
        var b = Assert.Single(result.Report.Details, d => d.Name == "b");
        Assert.Equal((KeyStatus.Success, 3, true), (b.Status, b.Attempts, b.Flaky));
    }

    [Fact]
    public async Task With_fail_fast_no_batch_starts_after_a_failed_key_and_the_keys_never_started_are_unknown()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key is { } k && k.Split(' ').Contains("k2") ? 1 : 0) };

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4, k5, k6]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}\n      failFast: true"));

        // The failed batch's keys still run alone to find the failing one; no batch starts after.
        Assert.Equal(["k1 k2 k3", "k1", "k2", "k3"], KeyExecs(runtime).Select(e => e.Key));
        Assert.Equal((6, 2, 1, 3), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum, result.Report.UnknownNum));
        Assert.All(result.Report.Details.Where(d => d.Status == KeyStatus.Unknown), d => Assert.Equal(0, d.Attempts));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Whatever_keys_fail_each_key_is_reported_once_with_its_own_status_and_the_totals_add_up(int seed)
    {
        var random = new Random(seed);
        var keys = Enumerable.Range(0, 40).Select(i => $"k{i}").ToList();
        var failing = keys.Where(_ => random.Next(5) == 0).ToHashSet();
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key is { } k && k.Split(' ').Any(failing.Contains) ? 1 : 0) };

        var result = await RunAsync(runtime, Job($"[{string.Join(", ", keys)}]", "maxPodNum: 2, maxConcurrentNumPerPod: 2", "batch: {maxKeys: 5}"));

        Assert.Equal(keys.Order(StringComparer.Ordinal), result.Report.Details.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.All(result.Report.Details, d => Assert.Equal(failing.Contains(d.Name) ? KeyStatus.Failure : KeyStatus.Success, d.Status));
        Assert.Equal((40, 40 - failing.Count, failing.Count, 0), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum, result.Report.UnknownNum));

        // A key ran in one command first (a batch, or alone); alone once more only when that was a failed batch.
        foreach (var detail in result.Report.Details)
        {
            var runs = KeyExecs(runtime).Select(e => e.Key!.Split(' ')).Where(k => k.Contains(detail.Name)).ToList();
            var batchFailed = runs[0].Length > 1 && runs[0].Any(failing.Contains);
            Assert.Equal(batchFailed ? 2 : 1, detail.Attempts);
            Assert.Equal(detail.Attempts, runs.Count);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Whatever_keys_fail_or_go_unnamed_in_the_JUnit_file_each_key_gets_its_own_status_and_a_run_per_attempt(int seed)
    {
        var random = new Random(seed);
        var keys = Enumerable.Range(0, 40).Select(i => $"k{i}").ToList();
        var failing = keys.Where(_ => random.Next(5) == 0).ToHashSet();
        var unnamed = keys.Where(_ => random.Next(3) == 0).ToHashSet();

        // The command fails when any of its keys fails, and its JUnit names each key that is not "unnamed".
        var runtime = new FakePodRuntime
        {
            OnExec = e =>
            {
                var batch = e.Key!.Split(' ');
                var outcome = ExecOutcome.Exit(batch.Any(failing.Contains) ? 1 : 0);
                var cases = batch.Where(k => !unnamed.Contains(k)).Select(k => $"""<testcase classname="{k}" name="t" time="1">{(failing.Contains(k) ? "<failure/>" : "")}</testcase>""");
                return batch.Length > 1 ? outcome.WithFile(e.Command[5], $"<testsuite>{string.Concat(cases)}</testsuite>") : outcome;
            },
        };

        var result = await RunAsync(runtime, Job($"[{string.Join(", ", keys)}]", "maxPodNum: 2, maxConcurrentNumPerPod: 2", "batch: {maxKeys: 8}"));

        Assert.Equal(keys.Order(StringComparer.Ordinal), result.Report.Details.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.All(result.Report.Details, d => Assert.Equal(failing.Contains(d.Name) ? KeyStatus.Failure : KeyStatus.Success, d.Status));
        Assert.Equal((40, 40 - failing.Count, failing.Count, 0), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum, result.Report.UnknownNum));
        foreach (var detail in result.Report.Details)
        {
            var runs = KeyExecs(runtime).Count(e => e.Key!.Split(' ').Contains(detail.Name));
            Assert.Equal(detail.Attempts, runs);
            Assert.InRange(detail.Attempts, 1, 3);
        }
    }

    private static List<ExecAction> KeyExecs(FakePodRuntime runtime) => [.. runtime.Execs.Where(e => e.Key is not null)];

    private Task<RunResult> RunAsync(FakePodRuntime runtime, string manifest, RunOptions? options = null, RecordingObserver? observer = null)
    {
        var job = ManifestLoader.Load(manifest, "test.yaml", new Dictionary<string, string>()).Job;
        var engine = new TestJobEngine(runtime, observer ?? new RecordingObserver(), TimeProvider.System);
        return engine.RunAsync(job, _workspace, options ?? new RunOptions(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    private static string Job(string keys, string limits, string strategy) =>
        EngineManifests.StaticKeys(keys, "mode: queue, " + limits, strategy, name: "batch-test");
}

using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Engine;

/// <summary>
/// <c>strategy.batch</c> in <c>static</c> mode against the in-memory runtime: each pod's planned keys cut into batches,
/// a container of the pod per batch, the batch run as one command in it; one report entry per key.
/// </summary>
public sealed class EngineStaticBatchTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-engine-static-batch-tests-").FullName;
    private readonly RunWorkspace _workspace;

    public EngineStaticBatchTests()
    {
        _workspace = RunWorkspace.Create(_root, RunOwner.Current());
    }

    private string ExportPath => Path.Combine(_root, "export");

    public void Dispose()
    {
        _workspace.Dispose();
        FileTree.Delete(_root);
    }

    [Fact]
    public async Task Each_pods_keys_run_as_one_batch_in_one_container_that_holds_the_joined_keys_and_the_report_has_each_key_once()
    {
        var runtime = new FakePodRuntime();

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4, k5, k6]", "maxPodNum: 2, maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}"));

        // Round-robin binds k1 k3 k5 to pod 0 and k2 k4 k6 to pod 1; each pod's three keys are one batch.
        Assert.Equal(2, runtime.Pods.Count);
        var containers = runtime.Pods.Select(p => (p.Request.HeldContainers.Single(), p.Request.Spec.Containers.Single().Env!.Single(e => e.Name == "TASK_KEY").Value)).Order().ToList();
        Assert.Equal([("test0-0", "k1 k3 k5"), ("test1-0", "k2 k4 k6")], containers);
        Assert.Equal(["k1 k3 k5", "k2 k4 k6"], KeyExecs(runtime).Select(e => e.Key).Order(StringComparer.Ordinal));
        var exec = KeyExecs(runtime).Single(e => e.Container == "test0-0");
        Assert.Equal(["kubetest-key", "k1 k3 k5", "/tmp/kubetest-junit/0.xml", "/tmp/kubetest-keys/0.txt", "sh", "-c", "go test -run $TASK_KEY", "k1", "k3", "k5"], exec.Command.Skip(3));
        Assert.Contains("export TASK_KEY KUBETEST_JUNIT KUBETEST_KEYS_FILE", exec.Command[2], StringComparison.Ordinal);
        Assert.True(result.Report.Succeeded);
        Assert.Equal(["k1", "k2", "k3", "k4", "k5", "k6"], result.Report.Details.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.All(result.Report.Details, d => Assert.Equal(1, d.Attempts));
    }

    [Fact]
    public async Task With_timings_a_pods_batches_stay_within_target_seconds_and_shrink_towards_its_end_one_container_each()
    {
        var timings = new Dictionary<string, double> { ["big"] = 30, ["a"] = 3, ["b"] = 3, ["c"] = 3, ["d"] = 3, ["e"] = 3, ["f"] = 3, ["g"] = 3, ["h"] = 3 };
        var runtime = new FakePodRuntime();

        var result = await RunAsync(runtime, Job("[a, b, c, d, e, f, g, h, big]", "maxConcurrentNumPerPod: 2", "batch: {targetSeconds: 10}"), new RunOptions(Durations: timings));

        // One pod, 2 slots, 54 s longest first: big alone; 24 s left, share 12: 3 keys (a 4th would pass 10 s);
        // 15 s left, share 7.5: 2 keys; then 9, 6, 3 s left: single keys. Six containers, two at once.
        var batches = KeyExecs(runtime).Select(e => e.Key!.Split(' ')).ToList();
        Assert.Equal([["big"], ["a", "b", "c"], ["d", "e"], ["f"], ["g"], ["h"]], batches.OrderBy(b => b[0] == "big" ? "" : b[0], StringComparer.Ordinal));
        var pod = Assert.Single(runtime.Pods);
        Assert.Equal(["test0-0", "test0-1", "test0-2", "test0-3", "test0-4", "test0-5"], pod.Request.HeldContainers);
        Assert.Equal("a b c", pod.Request.Spec.Containers.Single(c => c.Name == "test0-1").Env!.Single().Value);
        Assert.Equal(9, result.Report.SuccessNum);
    }

    [Fact]
    public async Task A_failed_batch_without_JUnit_runs_its_keys_again_one_by_one_in_its_own_container_and_the_report_names_the_failing_key()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key is { } k && k.Split(' ').Contains("k5") ? 1 : 0) };

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4, k5, k6]", "maxPodNum: 2, maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}"));

        var pod0 = KeyExecs(runtime).Where(e => e.Container == "test0-0").Select(e => e.Key).ToList();
        Assert.Equal(["k1 k3 k5", "k1", "k3", "k5"], pod0);
        Assert.Equal(["k2 k4 k6"], KeyExecs(runtime).Where(e => e.Container == "test1-0").Select(e => e.Key));
        Assert.Equal((6, 5, 1), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum));
        var failed = Assert.Single(result.Report.Details, d => d.Status == KeyStatus.Failure);
        Assert.Equal(("k5", 2), (failed.Name, failed.Attempts));
        Assert.All(result.Report.Details.Where(d => d.Name is "k1" or "k3"), d => Assert.Equal((KeyStatus.Success, 2, false), (d.Status, d.Attempts, d.Flaky)));
        Assert.All(result.Report.Details.Where(d => d.Name is "k2" or "k4" or "k6"), d => Assert.Equal(1, d.Attempts));
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
    public async Task Retest_reruns_a_failed_key_alone_in_its_batchs_container_and_a_pass_then_is_flaky()
    {
        var runs = 0;
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key is { } k && k.Split(' ').Contains("b") && Interlocked.Increment(ref runs) < 3 ? 1 : 0) };

        var result = await RunAsync(runtime, Job("[a, b, c]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}\n      retest: 1"));

        // The batch failed, b alone failed (attempt 2), the retest's pod ran it alone in the same container and it passed (attempt 3).
        Assert.Equal(["a b c", "a", "b", "c", "b"], KeyExecs(runtime).Select(e => e.Key));
        Assert.Equal(2, runtime.Pods.Count);
        var retest = runtime.Pods[1].Request;
        Assert.Equal(["test0-0"], retest.HeldContainers);
        Assert.Equal("b", retest.Spec.Containers.Single().Env!.Single().Value);
        var b = Assert.Single(result.Report.Details, d => d.Name == "b");
        Assert.Equal((KeyStatus.Success, 3, true), (b.Status, b.Attempts, b.Flaky));
        Assert.Equal((3, 3, 1), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FlakyNum));
    }

    [Fact]
    public async Task A_retest_of_several_keys_of_one_batch_runs_them_one_after_the_other_in_its_container()
    {
        var running = new int[2];
        var most = new int[2];
        var runtime = new FakePodRuntime
        {
            // A batch holding a or b fails, and so does a or b alone the first time; the retest passes them.
            OnExec = e => ExecOutcome.Exit(e.Key is { } k && (k is "a b" || (k is "a" or "b" && e.Attempt == 1)) ? 1 : 0),
            HoldExec = e =>
            {
                if (!e.Command.Contains("kubetest-key"))
                {
                    return null;
                }

                // a and b alone counted apart: other commands run two at once, a and b alone never do.
                var kind = e.Key is "a" or "b" ? 1 : 0;
                EngineManifests.InterlockedMax(ref most[kind], Interlocked.Increment(ref running[kind]));
                return Task.Delay(50).ContinueWith(_ => Interlocked.Decrement(ref running[kind]), TaskScheduler.Default);
            },
        };

        var result = await RunAsync(runtime, Job("[a, b, c, d]", "maxConcurrentNumPerPod: 2", "batch: {maxKeys: 2}\n      retest: 1"));

        // 4 keys, 2 slots: [a b] (a share of 2 keys), then [c] and [d] (2 keys left, a share of 1) in containers of
        // their own; a and b then run alone in test0-0 and fail, and the retest pod runs both in that container, one
        // after the other, though it has two slots.
        Assert.Equal((2, 1), (most[0], most[1]));
        var retest = runtime.Pods[^1];
        Assert.Equal(["test0-0"], retest.Request.HeldContainers);
        Assert.Equal(["a", "b"], KeyExecs(runtime).Where(e => e.Pod == retest.Name).Select(e => e.Key));
        Assert.All(result.Report.Details.Where(d => d.Name is "a" or "b"), d => Assert.Equal((KeyStatus.Success, 3, true), (d.Status, d.Attempts, d.Flaky)));
        Assert.Equal((4, 4), (result.Report.TotalNum, result.Report.SuccessNum));
    }

    [Fact]
    public async Task With_fail_fast_no_batch_starts_after_a_failed_key_and_the_keys_never_started_are_unknown()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key is { } k && k.Split(' ').Contains("k2") ? 1 : 0) };

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4, k5, k6]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 2}\n      failFast: true"));

        // Batches [k1 k2] [k3 k4] [k5 k6] in one slot: the failed batch's keys still run alone to find k2, no batch after.
        Assert.Equal(["k1 k2", "k1", "k2"], KeyExecs(runtime).Select(e => e.Key));
        Assert.Equal((6, 1, 1, 4), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum, result.Report.UnknownNum));
        Assert.All(result.Report.Details.Where(d => d.Status == KeyStatus.Unknown), d => Assert.Equal(0, d.Attempts));
    }

    [Fact]
    public async Task A_batch_past_the_key_timeout_fails_as_timed_out_and_its_keys_run_again_alone()
    {
        var runtime = new FakePodRuntime
        {
            OnExec = e => e.Key == "k1 k2" ? new ExecOutcome(137, [], [e.Command[5]], new Dictionary<string, string>()) : ExecOutcome.Success,
        };
        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, Job("[k1, k2]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 2}", timeout: "2s"), observer: observer);

        // The key timeout limits one command, so the whole batch: it timed out, each key alone then passed.
        Assert.Equal(KeyTimeout.ExitCode, observer.Of<CommandFinished>().Single(f => f.Task.Name == "k1 k2").Result.ExitCode);
        Assert.Equal(["k1 k2", "k1", "k2"], KeyExecs(runtime).Select(e => e.Key));
        Assert.All(result.Report.Details, d => Assert.Equal((KeyStatus.Success, 2), (d.Status, d.Attempts)));
    }

    [Fact]
    public async Task A_batch_that_timed_out_runs_its_undecided_keys_alone_even_when_its_JUnit_names_a_failed_key()
    {
        const string Xml = """<testsuite><testcase classname="k1" name="t" time="1"><failure/></testcase></testsuite>""";
        var runtime = new FakePodRuntime
        {
            OnExec = e => e.Key == "k1 k2 k3"
                ? new ExecOutcome(137, [], [e.Command[5]], new Dictionary<string, string>()).WithFile(e.Command.Single(a => a.StartsWith(PodExecutor.JUnitDirectory + "/", StringComparison.Ordinal)), Xml)
                : ExecOutcome.Success,
        };

        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, Job("[k1, k2, k3]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}", timeout: "2s"), observer: observer);

        // k1's failure does not explain a batch that hung: one of k2, k3 may hang, and together they would wait out the limit again.
        Assert.Equal(["k1 k2 k3", "k2", "k3"], KeyExecs(runtime).Select(e => e.Key));
        var details = result.Report.Details.ToDictionary(d => d.Name);
        Assert.Equal((KeyStatus.Failure, 1), (details["k1"].Status, details["k1"].Attempts));
        Assert.All(["k2", "k3"], k => Assert.Equal((KeyStatus.Success, 2), (details[k].Status, details[k].Attempts)));
        Assert.Contains(observer.Of<LogEvent>(), l => l.Message == "batch of 3 keys failed (timed out after 2s): 2 of its keys run again one by one");
    }

    [Fact]
    public async Task A_batchs_artifacts_go_to_its_first_keys_directory_and_a_key_run_alone_has_its_own()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key == "k2 k4" ? 1 : 0).WithFile("/out/result.txt", e.Key!) };

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4]", "maxPodNum: 2, maxConcurrentNumPerPod: 1", "batch: {maxKeys: 2}", artifacts: true));

        // Pod 0 holds k1 k3, pod 1 k2 k4; the batch [k1 k3] passed, [k2 k4] failed and ran k2, k4 alone:
        // k2's own run replaced its batch's files in its directory.
        Assert.True(result.Report.Succeeded);
        Assert.Equal("k1 k3", File.ReadAllText(Path.Combine(ExportPath, "test0-0", "0-k1", "out", "result.txt")));
        Assert.Equal("k2", File.ReadAllText(Path.Combine(ExportPath, "test1-0", "1-k2", "out", "result.txt")));
        Assert.Equal("k4", File.ReadAllText(Path.Combine(ExportPath, "test1-0", "3-k4", "out", "result.txt")));
        Assert.Equal(3, Directory.GetFiles(ExportPath, "result.txt", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task A_pod_that_cannot_start_ends_each_key_of_its_batches_as_an_error()
    {
        var runtime = new FakePodRuntime { FailStart = r => r.Spec.Containers.Any(c => c.Name == "test0-0") ? "image pull failed" : null };

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4]", "maxPodNum: 2, maxConcurrentNumPerPod: 1", "batch: {maxKeys: 2}"));

        Assert.Equal((4, 2, 2), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.Details.Count(d => d.Status == KeyStatus.Error)));
        Assert.Equal(["k1", "k3"], result.Report.Details.Where(d => d.Status == KeyStatus.Error).Select(d => d.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_batch_whose_pod_broke_is_unknown_and_the_batches_its_slot_can_no_longer_run_are_errors()
    {
        var runtime = new FakePodRuntime { OnExec = e => e.Key == "k1 k2" ? ExecOutcome.ConnectionLost("connection reset") : ExecOutcome.Success };

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4]", "maxConcurrentNumPerPod: 1", "batch: {maxKeys: 2}"));

        // One slot: [k1 k2] may have run (unknown); its slot stops, so [k3 k4] never runs and each of its keys says why.
        Assert.Equal(["k1 k2"], KeyExecs(runtime).Select(e => e.Key));
        var details = result.Report.Details.ToDictionary(d => d.Name);
        Assert.Equal((KeyStatus.Unknown, KeyStatus.Unknown), (details["k1"].Status, details["k2"].Status));
        Assert.Equal((KeyStatus.Error, KeyStatus.Error), (details["k3"].Status, details["k4"].Status));
        Assert.Equal(4, result.Report.TotalNum);
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
        Assert.Contains(KeyExecs(runtime), e => e.Key!.Split(' ').Length == 5);

        // A key ran in one command first (a batch, or alone); alone once more only when that was a failed batch, in the same container.
        foreach (var detail in result.Report.Details)
        {
            var runs = KeyExecs(runtime).Where(e => e.Key!.Split(' ').Contains(detail.Name)).ToList();
            var batchFailed = runs[0].Key!.Contains(' ', StringComparison.Ordinal) && runs[0].Key!.Split(' ').Any(failing.Contains);
            Assert.Equal(batchFailed ? 2 : 1, detail.Attempts);
            Assert.Equal(detail.Attempts, runs.Count);
            Assert.Single(runs.Select(r => r.Container).Distinct());
        }
    }

    /// <summary>The key commands: the wrapper's runs (a batch or one key), not the clears between them.</summary>
    private static List<ExecAction> KeyExecs(FakePodRuntime runtime) => [.. runtime.Execs.Where(e => e.Command.Contains("kubetest-key"))];

    private Task<RunResult> RunAsync(FakePodRuntime runtime, string manifest, RunOptions? options = null, RecordingObserver? observer = null)
    {
        var job = ManifestLoader.Load(manifest, "test.yaml", new Dictionary<string, string>()).Job;
        var engine = new TestJobEngine(runtime, observer ?? new RecordingObserver(), TimeProvider.System);
        return engine.RunAsync(job, _workspace, options ?? new RunOptions(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    /// <summary>A static mode TestJob with <paramref name="keys"/>, the scheduler's <paramref name="limits"/>, more <paramref name="strategy"/> fields, and with <paramref name="artifacts"/> an artifact <c>out</c> exported.</summary>
    private string Job(string keys, string limits, string strategy, string? timeout = null, bool artifacts = false) => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: static-batch-test
        spec:
          mainStep:
            strategy:
              {{strategy}}
              scheduler: {{{limits}}}
              key:
                env: TASK_KEY
                {{(timeout is null ? "" : $"timeout: {timeout}")}}
                source:
                  static: {{keys}}
            template:
              spec:
                containers:
                  - name: test
                    image: alpine
                    command: [go, test, -run, $TASK_KEY]
        {{(artifacts ? "        artifacts: [{name: result, container: {name: test, path: /out}}]" : "")}}
        {{(artifacts ? $"  exportArtifacts: [{{name: result, path: {ExportPath}}}]" : "")}}
        """;
}

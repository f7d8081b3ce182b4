using CsCheck;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Engine;

/// <summary>
/// <c>scheduler.mode: queue</c> against the in-memory runtime: worker containers take keys from one queue
/// for the whole run, with the key in the exec's environment; timeout, fail-fast, retest and artifacts as in static mode.
/// </summary>
public sealed class EngineQueueTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-engine-queue-tests-").FullName;
    private readonly RunWorkspace _workspace;

    public EngineQueueTests()
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
    public async Task Each_pod_holds_its_workers_and_each_key_runs_once_on_a_worker_with_the_key_in_the_execs_environment()
    {
        var runtime = new FakePodRuntime();

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4, k5, k6, k7]", "maxPodNum: 2, maxConcurrentNumPerPod: 2"));

        Assert.True(result.Report.Succeeded);
        Assert.Equal(2, runtime.Pods.Count);
        Assert.All(runtime.Pods, p => Assert.Equal(2, p.Request.HeldContainers.Count));
        Assert.Equal(["test0-0", "test0-1", "test1-0", "test1-1"], runtime.Pods.SelectMany(p => p.Request.HeldContainers).Order(StringComparer.Ordinal));
        Assert.All(runtime.Pods.SelectMany(p => p.Request.Spec.Containers), c => Assert.DoesNotContain(c.Env ?? [], e => e.Name == "TASK_KEY"));
        Assert.All(runtime.Pods, p => Assert.Null(p.Request.Metadata.Annotations));
        Assert.Equal(["k1", "k2", "k3", "k4", "k5", "k6", "k7"], runtime.Execs.Select(e => e.Key!).Order(StringComparer.Ordinal));
        var exec = runtime.ExecsOfKey("k3").Single();
        Assert.Equal(["sh", "-c", "TASK_KEY=$1; export TASK_KEY; shift; exec \"$@\"", "kubetest-key", "k3", "sh", "-c", "go test -run $TASK_KEY"], exec.Command);
    }

    [Fact]
    public async Task A_slow_pod_holds_no_keys_the_other_pods_free_worker_runs_every_short_key()
    {
        // 2 pods × 1 worker: "long" is held until every short key has finished; in static mode half of them would wait behind it.
        var shorts = Enumerable.Range(1, 9).Select(i => $"s{i}").ToList();
        var done = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runtime = new FakePodRuntime
        {
            HoldExec = e => e.Key == "long" ? release.Task : null,
            OnExec = e =>
            {
                if (e.Key != "long" && Interlocked.Increment(ref done) == shorts.Count)
                {
                    release.SetResult();
                }

                return ExecOutcome.Success;
            },
        };

        var result = await RunAsync(runtime, Job($"[long, {string.Join(", ", shorts)}]", "maxPodNum: 2, maxConcurrentNumPerPod: 1"));

        Assert.True(result.Report.Succeeded);
        var longPod = runtime.ExecsOfKey("long").Single().Pod;
        Assert.All(shorts, k => Assert.NotEqual(longPod, runtime.ExecsOfKey(k).Single().Pod));
    }

    [Fact]
    public async Task With_timings_the_queue_starts_the_longest_key_first()
    {
        var timings = new Dictionary<string, double> { ["a"] = 1, ["b"] = 9, ["c"] = 5 };
        var runtime = new FakePodRuntime();

        await RunAsync(runtime, Job("[a, b, c, d]", "maxPodNum: 1, maxConcurrentNumPerPod: 1"), new RunOptions(Durations: timings));

        // d has no past time: it counts as the median (5) and keeps its place after c.
        Assert.Equal(["b", "c", "d", "a"], runtime.Execs.Select(e => e.Key));
    }

    [Fact]
    public async Task A_key_past_its_timeout_fails_with_exit_code_124_and_its_worker_takes_the_next_key()
    {
        var runtime = new FakePodRuntime
        {
            OnExec = e => e.Key == "hang" ? new ExecOutcome(137, [], [e.Command[5]], new Dictionary<string, string>()) : ExecOutcome.Success,
        };
        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, Job("[hang, k2, k3]", "maxConcurrentNumPerPod: 1", timeout: "2s"), observer: observer);

        Assert.Equal((3, 2, 1), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum));
        Assert.Equal(KeyTimeout.ExitCode, observer.Of<KeyFinished>().Single(f => f.Task.Name == "hang").Result.ExitCode);
        Assert.Equal(["hang", "k2", "k3"], runtime.Execs.Select(e => e.Key));
        Assert.All(runtime.Execs, e => Assert.Equal("test0-0", e.Container));

        // The watchdog wraps the env wrapper, which runs the command.
        var hang = runtime.ExecsOfKey("hang").Single().Command;
        Assert.Equal(["kubetest-key", "hang", "sh", "-c", "go test -run $TASK_KEY"], hang.Skip(9));
    }

    [Fact]
    public async Task With_fail_fast_no_worker_takes_a_key_after_the_first_failure_and_every_key_is_reported()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key == "k2" ? 1 : 0) };

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4, k5]", "maxConcurrentNumPerPod: 1", strategy: "failFast: true"));

        Assert.Equal(["k1", "k2"], runtime.Execs.Select(e => e.Key));
        Assert.Equal((5, 1, 1, 3), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum, result.Report.UnknownNum));
        Assert.All(result.Report.Details.Where(d => d.Status == KeyStatus.Unknown), d => Assert.Equal(0, d.Attempts));
    }

    [Fact]
    public async Task Retest_reruns_failed_keys_from_a_new_queue_and_a_key_passing_on_a_rerun_is_flaky()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key == "broken" || (e.Key == "flaky" && e.Attempt == 1) ? 1 : 0) };

        var result = await RunAsync(runtime, Job("[ok, flaky, broken]", "maxPodNum: 2, maxConcurrentNumPerPod: 2", strategy: "retest: 2"));

        var details = result.Report.Details.ToDictionary(d => d.Name);
        Assert.Equal((KeyStatus.Success, 1, false), (details["ok"].Status, details["ok"].Attempts, details["ok"].Flaky));
        Assert.Equal((KeyStatus.Success, 2, true), (details["flaky"].Status, details["flaky"].Attempts, details["flaky"].Flaky));
        Assert.Equal((KeyStatus.Failure, 3, false), (details["broken"].Status, details["broken"].Attempts, details["broken"].Flaky));
        Assert.Equal(3, runtime.ExecsOfKey("broken").Count);
    }

    [Fact]
    public async Task Each_keys_artifact_is_kept_in_its_own_directory_below_its_worker_and_cleared_in_the_worker_before_the_next_key()
    {
        // Each key leaves a file named after it: without the clear, k2's copy would hold k1's file too.
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Success.WithFile($"/out/{e.Key}.txt", e.Key!) };

        var result = await RunAsync(runtime, Job("[k1, k2, k3]", "maxConcurrentNumPerPod: 1", artifacts: true));

        Assert.True(result.Report.Succeeded);
        foreach (var (key, dir) in new[] { ("k1", "0-k1"), ("k2", "1-k2"), ("k3", "2-k3") })
        {
            var files = Directory.GetFiles(Path.Combine(ExportPath, "test0-0", dir, "out"));
            Assert.Equal(key, File.ReadAllText(Assert.Single(files)));
        }

        var clears = runtime.Execs.Where(e => e.Command.Contains("kubetest-clear")).ToList();
        Assert.Equal(3, clears.Count);
        Assert.All(clears, c => Assert.Equal("/out", c.Command[^1]));

        // Each key's clear comes after its copy and before the next key's exec.
        var actions = runtime.Actions.Where(a => a is ExecAction or CopyFromAction).Select(a => a is ExecAction e ? (e.Key ?? "clear") : "copy").ToList();
        Assert.Equal(["k1", "copy", "clear", "k2", "copy", "clear", "k3", "copy", "clear"], actions);
    }

    [Fact]
    public async Task A_retested_keys_artifact_replaces_its_earlier_attempts_whichever_worker_ran_that()
    {
        var runtime = new FakePodRuntime
        {
            OnExec = e => e.Key is null ? ExecOutcome.Success : ExecOutcome.Exit(e.Key == "flaky" && e.Attempt == 1 ? 1 : 0).WithFile("/out/result.txt", $"{e.Key} {e.Attempt}"),
        };

        var result = await RunAsync(runtime, Job("[k1, flaky, k3, k4]", "maxConcurrentNumPerPod: 2", strategy: "retest: true", artifacts: true));

        Assert.True(result.Report.Succeeded);
        var copies = Directory.GetFiles(ExportPath, "result.txt", SearchOption.AllDirectories).Where(f => f.Contains("1-flaky", StringComparison.Ordinal)).ToList();
        Assert.Equal("flaky 2", File.ReadAllText(Assert.Single(copies)));
    }

    [Fact]
    public async Task A_pod_that_cannot_start_leaves_its_share_to_the_other_pods_and_without_any_pod_every_key_is_an_error()
    {
        var runtime = new FakePodRuntime { FailStart = r => r.Spec.Containers.Any(c => c.Name == "test0-0") ? "image pull failed" : null };

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4]", "maxPodNum: 2, maxConcurrentNumPerPod: 1"));

        Assert.True(result.Report.Succeeded);
        Assert.All(runtime.Execs, e => Assert.Equal("test1-0", e.Container));

        var none = new FakePodRuntime { FailStart = _ => "image pull failed" };
        var failed = await RunAsync(none, Job("[k1, k2, k3]", "maxPodNum: 2, maxConcurrentNumPerPod: 1"));

        Assert.Equal(3, failed.Report.Details.Count(d => d.Status == KeyStatus.Error));
    }

    [Fact]
    public async Task A_worker_whose_pod_broke_takes_no_more_keys_and_the_other_pod_runs_them()
    {
        var runtime = new FakePodRuntime { OnExec = e => e.Key == "k1" ? ExecOutcome.ConnectionLost("connection reset") : ExecOutcome.Success };

        var result = await RunAsync(runtime, Job("[k1, k2, k3, k4, k5]", "maxPodNum: 2, maxConcurrentNumPerPod: 1"));

        var details = result.Report.Details.ToDictionary(d => d.Name);
        Assert.Equal(KeyStatus.Unknown, details["k1"].Status);
        Assert.All(["k2", "k3", "k4", "k5"], k => Assert.Equal(KeyStatus.Success, details[k].Status));
        var k1Pod = runtime.ExecsOfKey("k1").Single().Pod;
        Assert.All(["k2", "k3", "k4", "k5"], k => Assert.NotEqual(k1Pod, runtime.ExecsOfKey(k).Single().Pod));
    }

    [Fact]
    public void Every_key_runs_once_per_attempt_at_most_the_workers_run_at_once_and_fail_fast_reports_every_key()
    {
        var cases = Gen.Select(
            Gen.Int[1, 14],
            Gen.Int[0, 2],
            Gen.Bool,
            Gen.Int[1, 3],
            Gen.Int[1, 3],
            Gen.Int[0, 3].Array[14],
            (count, reruns, failFast, pods, concurrent, failures) => (count, reruns, failFast, pods, concurrent, failures));
        cases.Sample(
            c =>
            {
                var keys = Enumerable.Range(0, c.count).Select(i => $"k{i}").ToList();
                var running = 0;
                var most = 0;
                var runtime = new FakePodRuntime
                {
                    HoldExec = e =>
                    {
                        var now = Interlocked.Increment(ref running);
                        EngineManifests.InterlockedMax(ref most, now);
                        return Task.Delay(1);
                    },
                    OnExec = e =>
                    {
                        Interlocked.Decrement(ref running);
                        return ExecOutcome.Exit(e.Attempt <= c.failures[int.Parse(e.Key![1..], System.Globalization.CultureInfo.InvariantCulture)] ? 1 : 0);
                    },
                };
                var strategy = $"failFast: {(c.failFast ? "true" : "false")}\n      retest: {c.reruns}";
                var result = RunAsync(runtime, Job($"[{string.Join(", ", keys)}]", $"maxPodNum: {c.pods}, maxConcurrentNumPerPod: {c.concurrent}", strategy: strategy)).GetAwaiter().GetResult();
                var report = result.Report;

                Assert.Equal(keys.Order(StringComparer.Ordinal), report.Details.Select(d => d.Name).Order(StringComparer.Ordinal));
                Assert.Equal(report.TotalNum, report.SuccessNum + report.FailureNum + report.UnknownNum);
                Assert.InRange(most, 1, Math.Min(c.count, c.pods * c.concurrent));
                foreach (var detail in report.Details)
                {
                    Assert.Equal(detail.Attempts, runtime.ExecsOfKey(detail.Name).Count);
                    Assert.Equal(detail.Status == KeyStatus.Unknown, detail.Attempts == 0);
                    Assert.InRange(detail.Attempts, 0, 1 + c.reruns);
                }

                if (!c.failFast || report.FailureNum == 0)
                {
                    Assert.Equal(0, report.UnknownNum);
                }
            },
            iter: 60);
    }

    private Task<RunResult> RunAsync(FakePodRuntime runtime, string manifest, RunOptions? options = null, RecordingObserver? observer = null)
    {
        var job = ManifestLoader.Load(manifest, "test.yaml", new Dictionary<string, string>()).Job;
        var engine = new TestJobEngine(runtime, observer ?? new RecordingObserver(), TimeProvider.System);
        return engine.RunAsync(job, _workspace, options ?? new RunOptions(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    /// <summary>A queue mode TestJob with static <paramref name="keys"/>, the scheduler's <paramref name="limits"/>, and with <paramref name="artifacts"/> an artifact <c>out</c> exported.</summary>
    private string Job(string keys, string limits, string strategy = "", string? timeout = null, bool artifacts = false) => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: queue-test
        spec:
          mainStep:
            strategy:
              {{strategy}}
              scheduler: {mode: queue, {{limits}}}
              key:
                env: TASK_KEY
                {{(timeout is null ? "" : $"timeout: {timeout}")}}
                source:
                  static: {{keys}}
            template:
              metadata:
                generateName: queue-
              spec:
                containers:
                  - name: test
                    image: alpine
                    command: [go, test, -run, $TASK_KEY]
        {{(artifacts ? "        artifacts: [{name: result, container: {name: test, path: /out}}]" : "")}}
        {{(artifacts ? $"  exportArtifacts: [{{name: result, path: {ExportPath}}}]" : "")}}
        """;
}

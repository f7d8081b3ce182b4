using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Engine;

/// <summary>
/// A run stopped (cancelled) while keys run, in every way keys run: a key that was running counts that run as an
/// attempt (unknown, "interrupted"); only a key that never started has 0 attempts.
/// </summary>
public sealed class EngineInterruptTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-engine-interrupt-tests-").FullName;
    private readonly RunWorkspace _workspace;
    private readonly RecordingObserver _observer = new();

    public EngineInterruptTests()
    {
        _workspace = RunWorkspace.Create(_root, RunOwner.Current());
    }

    public void Dispose()
    {
        _workspace.Dispose();
        FileTree.Delete(_root);
    }

    public static TheoryData<string> Modes => new() { "static", "queue" };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Keys_running_when_the_run_stops_have_one_unknown_attempt_saying_interrupted_and_waiting_keys_have_none(string mode)
    {
        // One pod, two slots: k1 and k2 run (held until cancelled), k3 and k4 wait for a slot.
        var runtime = Holding(["k1", "k2"], out var started);

        var result = await RunStoppedAsync(runtime, Job("[k1, k2, k3, k4]", $"mode: {mode}, maxPodNum: 1, maxConcurrentNumPerPod: 2"), started);

        Assert.True(result.Interrupted);
        AssertInterrupted(result.Report, "k1", 1);
        AssertInterrupted(result.Report, "k2", 1);
        AssertNeverStarted(result.Report, "k3");
        AssertNeverStarted(result.Report, "k4");
        Assert.Empty(runtime.ExecsOfKey("k3"));
        var k1 = Assert.Single(_observer.Of<KeyFinished>(), f => f.Task.Name == "k1");
        Assert.Equal((KeyStatus.Unknown, "interrupted: the run was stopped while it was running"), (k1.Result.Status, k1.Result.Message));
        Assert.All(runtime.Pods, p => Assert.True(p.Disposed));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Every_key_of_a_batch_running_when_the_run_stops_has_one_unknown_attempt_and_the_next_batchs_keys_none(string mode)
    {
        // One slot: the batch "a b c" runs (held); "d e f" waits.
        var runtime = Holding(["a b c"], out var started);

        var result = await RunStoppedAsync(runtime, Job("[a, b, c, d, e, f]", $"mode: {mode}, maxPodNum: 1, maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}"), started);

        foreach (var key in new[] { "a", "b", "c" })
        {
            AssertInterrupted(result.Report, key, 1);
        }

        foreach (var key in new[] { "d", "e", "f" })
        {
            AssertNeverStarted(result.Report, key);
        }

        // The batch's own block ends too, saying it was stopped.
        var batch = Assert.Single(_observer.Of<CommandFinished>(), f => f.Task.Name == "a b c");
        Assert.True(batch.Result.Interrupted);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task After_a_failed_batch_the_key_running_alone_gets_its_second_attempt_and_the_keys_still_waiting_keep_their_batch_run(string mode)
    {
        // The batch fails without JUnit, so its keys run again one by one; a's own run is held when the run stops.
        var startedA = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runtime = new FakePodRuntime
        {
            OnExec = e => ExecOutcome.Exit(e.Key == "a b c" ? 1 : 0),
            HoldExec = e =>
            {
                if (e.Key == "a")
                {
                    startedA.TrySetResult();
                    return Task.Delay(Timeout.Infinite);
                }

                return null;
            },
        };

        var result = await RunStoppedAsync(runtime, Job("[a, b, c]", $"mode: {mode}, maxPodNum: 1, maxConcurrentNumPerPod: 1", "batch: {maxKeys: 3}"), [startedA.Task]);

        AssertInterrupted(result.Report, "a", 2);
        AssertInterrupted(result.Report, "b", 1);
        AssertInterrupted(result.Report, "c", 1);
        var b = _observer.Of<KeyFinished>().Last(f => f.Task.Name == "b");
        Assert.Equal("interrupted: the run was stopped before it ran again (its batch failed without telling its result)", b.Result.Message);
        Assert.Empty(runtime.ExecsOfKey("b"));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_key_stopped_during_its_rerun_keeps_its_earlier_attempt_and_counts_the_rerun(string mode)
    {
        var rerun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runtime = new FakePodRuntime
        {
            OnExec = e => ExecOutcome.Exit(e.Key == "k1" ? 1 : 0),
            HoldExec = e =>
            {
                if (e.Key == "k1" && e.Attempt == 2)
                {
                    rerun.TrySetResult();
                    return Task.Delay(Timeout.Infinite);
                }

                return null;
            },
        };

        var result = await RunStoppedAsync(runtime, Job("[k1, k2]", $"mode: {mode}, maxPodNum: 1, maxConcurrentNumPerPod: 1", "retest: 2"), [rerun.Task]);

        AssertInterrupted(result.Report, "k1", 2);
        Assert.Equal((KeyStatus.Success, 1), Detail(result.Report, "k2"));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task With_fail_fast_the_key_still_running_is_interrupted_and_the_keys_held_back_never_started(string mode)
    {
        // k1 fails while k2 runs (held): fail-fast keeps k3 and k4 from starting; then the run stops.
        var startedK2 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var k1Failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runtime = new FakePodRuntime
        {
            OnExec = e => ExecOutcome.Exit(e.Key == "k1" ? 1 : 0),
            HoldExec = e =>
            {
                if (e.Key == "k1")
                {
                    return startedK2.Task;
                }

                if (e.Key == "k2")
                {
                    startedK2.TrySetResult();
                    return Task.Delay(Timeout.Infinite);
                }

                return null;
            },
        };
        var observer = new FailFastWatch(_observer, k1Failed);

        var result = await RunStoppedAsync(runtime, Job("[k1, k2, k3, k4]", $"mode: {mode}, maxPodNum: 1, maxConcurrentNumPerPod: 2", "failFast: true"), [k1Failed.Task], observer);

        Assert.Equal((KeyStatus.Failure, 1), Detail(result.Report, "k1"));
        AssertInterrupted(result.Report, "k2", 1);
        AssertNeverStarted(result.Report, "k3");
        AssertNeverStarted(result.Report, "k4");
    }

    [Fact]
    public async Task A_main_step_without_strategy_stopped_while_it_runs_has_one_unknown_attempt()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runtime = new FakePodRuntime
        {
            HoldExec = _ =>
            {
                started.TrySetResult();
                return Task.Delay(Timeout.Infinite);
            },
        };
        var job = """
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata:
              name: single
            spec:
              mainStep:
                template:
                  spec:
                    containers:
                      - name: test
                        image: alpine
                        command: [go, test, ./...]
            """;

        var result = await RunStoppedAsync(runtime, job, [started.Task]);

        AssertInterrupted(result.Report, "test", 1);
    }

    [Fact]
    public async Task The_summary_and_junit_tell_interrupted_keys_from_keys_that_never_started()
    {
        var runtime = Holding(["k1", "k2"], out var started);
        var console = new StringWriter();
        var junit = new JUnitCollector(TimeProvider.System);
        var observer = new Observers(_observer, new TextReporter(console, LogLevel.Info, live: false, _root), junit);

        var result = await RunStoppedAsync(runtime, Job("[k1, k2, k3]", "maxPodNum: 1, maxConcurrentNumPerPod: 2"), started, observer);

        var lines = console.ToString().Split('\n');
        Assert.Contains("[WARN] summary: 3 keys: 0 succeeded, 0 failed, 3 unknown (2 interrupted, 1 skipped: never started)", lines);
        Assert.Contains("[ERROR] interrupted: the run was stopped while it was running", lines);
        Assert.DoesNotContain(lines, l => l.EndsWith("finished.", StringComparison.Ordinal));
        var xml = System.Xml.Linq.XDocument.Parse(JUnitReport.Write(result.Report, "interrupted", TimeSpan.FromSeconds(1), junit));
        var cases = xml.Descendants("testcase").ToDictionary(c => (string)c.Attribute("name")!, c => c.Elements().Single());
        Assert.Equal(("error", "no result: interrupted: the run was stopped while it was running"), (cases["k1"].Name.LocalName, (string?)cases["k1"].Attribute("message")));
        Assert.Equal("error", cases["k2"].Name.LocalName);
        Assert.Equal(("skipped", "never started"), (cases["k3"].Name.LocalName, (string?)cases["k3"].Attribute("message")));
    }

    private static void AssertInterrupted(Report report, string key, int attempts)
    {
        Assert.Equal((KeyStatus.Unknown, attempts), Detail(report, key));
    }

    private static void AssertNeverStarted(Report report, string key)
    {
        Assert.Equal((KeyStatus.Unknown, 0), Detail(report, key));
    }

    private static (KeyStatus Status, int Attempts) Detail(Report report, string key)
    {
        var detail = Assert.Single(report.Details, d => d.Name == key);
        return (detail.Status, detail.Attempts);
    }

    /// <summary>A runtime whose execs of <paramref name="keys"/> (as the exec sees its key: a batch's joined) run until the run is stopped; <paramref name="started"/> completes as each starts.</summary>
    private static FakePodRuntime Holding(IReadOnlyList<string> keys, out IReadOnlyList<Task> started)
    {
        var starts = keys.ToDictionary(k => k, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);
        started = [.. starts.Values.Select(s => s.Task)];
        return new FakePodRuntime
        {
            HoldExec = e =>
            {
                if (e.Key is { } key && starts.TryGetValue(key, out var start))
                {
                    start.TrySetResult();
                    return Task.Delay(Timeout.Infinite);
                }

                return null;
            },
        };
    }

    /// <summary>Runs <paramref name="manifest"/> and cancels it once every one of <paramref name="ready"/> completed.</summary>
    private async Task<RunResult> RunStoppedAsync(FakePodRuntime runtime, string manifest, IReadOnlyList<Task> ready, IRunObserver? observer = null)
    {
        var job = ManifestLoader.Load(manifest, "test.yaml", new Dictionary<string, string>()).Job;
        var engine = new TestJobEngine(runtime, observer ?? _observer, TimeProvider.System);
        using var cancel = new CancellationTokenSource();
        var run = engine.RunAsync(job, _workspace, new RunOptions(), cancel.Token);
        await Task.WhenAll(ready).WaitAsync(TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.Interrupted);
        return result;
    }

    /// <summary>Passes events on; completes <paramref name="failed"/> once fail-fast has stopped new keys.</summary>
    private sealed class FailFastWatch(IRunObserver inner, TaskCompletionSource failed) : IRunObserver
    {
        public void On(RunEvent runEvent)
        {
            inner.On(runEvent);
            if (runEvent is LogEvent { Level: LogLevel.Warn } log && log.Message.StartsWith("fail-fast:", StringComparison.Ordinal))
            {
                failed.TrySetResult();
            }
        }
    }

    private static string Job(string keys, string scheduler, string strategy = "") => EngineManifests.StaticKeys(keys, scheduler, strategy);
}

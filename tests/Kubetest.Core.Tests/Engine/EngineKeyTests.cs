using System.Text.Json;
using CsCheck;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Engine;

/// <summary>
/// Per-key timeout, fail-fast, reruns and flaky keys against the in-memory runtime, as the report,
/// the events and the execs show them.
/// </summary>
public sealed class EngineKeyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-engine-key-tests-").FullName;
    private readonly RunWorkspace _workspace;

    public EngineKeyTests()
    {
        _workspace = RunWorkspace.Create(_root, RunOwner.Current());
    }

    public void Dispose()
    {
        _workspace.Dispose();
        FileTree.Delete(_root);
    }

    [Fact]
    public async Task A_key_whose_watchdog_fires_fails_with_exit_code_124_and_a_timed_out_message_while_the_others_pass()
    {
        var runtime = new FakePodRuntime
        {
            // The in-container watchdog prints its marker (argument 5 of the wrapper) when it fires, then the command dies.
            OnExec = e => e.Key == "hang" ? new ExecOutcome(137, [], ["Killed", e.Command[5]], new Dictionary<string, string>()) : ExecOutcome.Success,
        };
        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, observer, Job("[hang, k2, k3]", timeout: "2s"));

        Assert.Equal(new Dictionary<string, string> { ["hang"] = "failure", ["k2"] = "success", ["k3"] = "success" }, Statuses(result.Report));
        var hang = Assert.Single(observer.Of<KeyFinished>(), f => f.Task.Name == "hang");
        Assert.Equal(KeyTimeout.ExitCode, hang.Result.ExitCode);
        Assert.Equal("timed out after 2s", hang.Result.Message);
        var exec = Assert.Single(runtime.ExecsOfKey("hang"));
        Assert.Equal(["sh", "-c"], exec.Command.Take(2));
        Assert.Equal("2", exec.Command[4]);
        Assert.Equal(["sh", "-c", "go test -run $TASK_KEY"], exec.Command.Skip(6));
        var lines = observer.Of<TaskOutput>().Where(o => o.Task.Name == "hang").Select(o => o.Line).ToList();
        Assert.Equal(["Killed"], lines);
    }

    [Fact]
    public async Task Without_a_timeout_the_command_runs_as_it_is()
    {
        var runtime = new FakePodRuntime();

        await RunAsync(runtime, new RecordingObserver(), Job("[k1]"));

        Assert.Equal(["sh", "-c", "go test -run $TASK_KEY"], Assert.Single(runtime.Execs).Command);
    }

    [Fact]
    public async Task The_command_line_timeout_replaces_the_manifests()
    {
        var runtime = new FakePodRuntime();

        await RunAsync(runtime, new RecordingObserver(), Job("[k1]", timeout: "1h"), new RunOptions(KeyTimeout: TimeSpan.FromSeconds(90)));

        Assert.Equal("90", Assert.Single(runtime.Execs).Command[4]);
    }

    [Fact]
    public async Task A_key_the_watchdog_did_not_end_is_cancelled_after_the_grace_and_its_slot_takes_the_next_key()
    {
        var never = new TaskCompletionSource();
        var runtime = new FakePodRuntime { HoldExec = e => e.Key == "hang" ? never.Task : null };
        var observer = new RecordingObserver();

        var result = await RunAsync(
            runtime,
            observer,
            Job("[hang, k2]", "scheduler: {maxConcurrentNumPerPod: 1}", timeout: "1s"),
            new RunOptions(KeyTimeoutGrace: TimeSpan.FromMilliseconds(100)));

        Assert.Equal(new Dictionary<string, string> { ["hang"] = "failure", ["k2"] = "success" }, Statuses(result.Report));
        Assert.Equal(["hang", "k2"], runtime.Execs.Select(e => e.Key));
        Assert.Single(runtime.Pods);
        Assert.Contains(observer.Of<LogEvent>(), l => l.Level == LogLevel.Warn && l.Message.Contains("the timeout's watchdog in container test0-0 did not end the key", StringComparison.Ordinal));
        Assert.Equal("timed out after 1s", Assert.Single(observer.Of<KeyFinished>(), f => f.Task.Name == "hang").Result.Message);
    }

    [Fact]
    public async Task With_fail_fast_no_key_starts_after_the_first_failure_and_the_rest_are_unknown_with_zero_attempts()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key == "k2" ? 1 : 0) };
        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, observer, Job("[k1, k2, k3, k4, k5]", "failFast: true\n      scheduler: {maxConcurrentNumPerPod: 1}"));

        Assert.Equal(["k1", "k2"], runtime.Execs.Select(e => e.Key));
        Assert.Equal(
            new Dictionary<string, string> { ["k1"] = "success", ["k2"] = "failure", ["k3"] = "unknown", ["k4"] = "unknown", ["k5"] = "unknown" },
            Statuses(result.Report));
        Assert.Equal((5, 1, 1, 3), (result.Report.TotalNum, result.Report.SuccessNum, result.Report.FailureNum, result.Report.UnknownNum));
        Assert.All(result.Report.Details.Where(d => d.Status == KeyStatus.Unknown), d => Assert.Equal(0, d.Attempts));
        Assert.Contains(observer.Of<LogEvent>(), l => l.Message == "fail-fast: key k2 failed; no new key starts, running keys finish");
    }

    [Fact]
    public async Task The_fail_fast_flag_works_without_the_manifest_field()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key == "k1" ? 1 : 0) };

        var result = await RunAsync(runtime, new RecordingObserver(), Job("[k1, k2]", "scheduler: {maxConcurrentNumPerPod: 1}"), new RunOptions(FailFast: true));

        Assert.Equal(["k1"], runtime.Execs.Select(e => e.Key));
        Assert.Equal(1, result.Report.UnknownNum);
    }

    [Fact]
    public async Task With_fail_fast_a_key_that_passes_on_its_rerun_lets_the_waiting_keys_start()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key == "k2" && e.Attempt == 1 ? 1 : 0) };
        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, observer, Job("[k1, k2, k3, k4]", "failFast: true\n      retest: 2\n      scheduler: {maxConcurrentNumPerPod: 1}"));

        Assert.True(result.Report.Succeeded);
        Assert.Equal(["k1", "k2", "k2", "k3", "k4"], runtime.Execs.Select(e => e.Key));
        var k2 = Assert.Single(result.Report.Details, d => d.Name == "k2");
        Assert.Equal((KeyStatus.Success, 2, true), (k2.Status, k2.Attempts, k2.Flaky));
        Assert.Equal(1, result.Report.FlakyNum);
        Assert.Contains(observer.Of<LogEvent>(), l => l.Message == "fail-fast: every failed key passed on a rerun; the 2 keys not started yet start now");
    }

    [Fact]
    public async Task With_fail_fast_a_key_that_fails_all_its_reruns_stops_the_run()
    {
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key == "k2" ? 1 : 0) };

        var result = await RunAsync(runtime, new RecordingObserver(), Job("[k1, k2, k3]", "failFast: true\n      retest: 2\n      scheduler: {maxConcurrentNumPerPod: 1}"));

        Assert.Equal(["k1", "k2", "k2", "k2"], runtime.Execs.Select(e => e.Key));
        Assert.Equal(new Dictionary<string, string> { ["k1"] = "success", ["k2"] = "failure", ["k3"] = "unknown" }, Statuses(result.Report));
        Assert.Equal(3, Assert.Single(result.Report.Details, d => d.Name == "k2").Attempts);
    }

    [Fact]
    public async Task Retest_n_reruns_each_failed_key_until_it_passes_or_has_had_n_reruns()
    {
        // "flaky" fails twice then passes, "broken" never passes.
        var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Key == "broken" || (e.Key == "flaky" && e.Attempt < 3) ? 1 : 0) };
        var observer = new RecordingObserver();

        var result = await RunAsync(runtime, observer, Job("[ok, flaky, broken]", "retest: 3"));

        Assert.Equal([2, 2, 1], observer.Of<RetestStarted>().Select(r => r.Count));
        var details = result.Report.Details.ToDictionary(d => d.Name);
        Assert.Equal((KeyStatus.Success, 1, false), (details["ok"].Status, details["ok"].Attempts, details["ok"].Flaky));
        Assert.Equal((KeyStatus.Success, 3, true), (details["flaky"].Status, details["flaky"].Attempts, details["flaky"].Flaky));
        Assert.Equal((KeyStatus.Failure, 4, false), (details["broken"].Status, details["broken"].Attempts, details["broken"].Flaky));
        Assert.Equal(4, runtime.ExecsOfKey("broken").Count);
        using var json = JsonDocument.Parse(result.Report.ToJson());
        Assert.Equal(1, json.RootElement.GetProperty("flakyNum").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("failureNum").GetInt32());
    }

    [Fact]
    public async Task Each_key_gets_its_fractional_seconds_in_the_report()
    {
        var runtime = new FakePodRuntime { HoldExec = _ => Task.Delay(120) };

        var result = await RunAsync(runtime, new RecordingObserver(), Job("[k1]"));

        using var json = JsonDocument.Parse(result.Report.ToJson());
        var detail = json.RootElement.GetProperty("details")[0];
        Assert.Equal(0, detail.GetProperty("elapsedTimeSec").GetInt64());
        Assert.InRange(detail.GetProperty("elapsedSeconds").GetDouble(), 0.1, 30);
    }

    [Fact]
    public void Every_key_is_reported_once_and_runs_once_per_attempt_whatever_fails_and_with_or_without_fail_fast()
    {
        var cases = Gen.Select(
            Gen.Int[1, 12],
            Gen.Int[0, 2],
            Gen.Bool,
            Gen.Int[1, 3],
            Gen.Int[0, 3].Array[12],
            (count, reruns, failFast, concurrent, failures) => (count, reruns, failFast, concurrent, failures));
        cases.Sample(
            c =>
            {
                // Key i fails its first failures[i] runs.
                var keys = Enumerable.Range(0, c.count).Select(i => $"k{i}").ToList();
                var runtime = new FakePodRuntime { OnExec = e => ExecOutcome.Exit(e.Attempt <= c.failures[int.Parse(e.Key![1..], System.Globalization.CultureInfo.InvariantCulture)] ? 1 : 0) };
                var strategy = $"failFast: {(c.failFast ? "true" : "false")}\n      retest: {c.reruns}\n      scheduler: {{maxPodNum: 2, maxConcurrentNumPerPod: {c.concurrent}}}";
                var result = RunAsync(runtime, new RecordingObserver(), Job($"[{string.Join(", ", keys)}]", strategy)).GetAwaiter().GetResult();
                var report = result.Report;

                Assert.Equal(keys.Order(StringComparer.Ordinal), report.Details.Select(d => d.Name).Order(StringComparer.Ordinal));
                Assert.Equal(report.TotalNum, report.SuccessNum + report.FailureNum + report.UnknownNum);
                foreach (var detail in report.Details)
                {
                    Assert.Equal(detail.Attempts, runtime.ExecsOfKey(detail.Name).Count);
                    Assert.Equal(detail.Status == KeyStatus.Unknown, detail.Attempts == 0);
                    Assert.InRange(detail.Attempts, 0, 1 + c.reruns);
                    Assert.Equal(detail.Flaky, detail.Status == KeyStatus.Success && detail.Attempts > 1);
                }

                // Keys are left unstarted only by fail-fast, and only after a key failed for good.
                if (!c.failFast || report.FailureNum == 0)
                {
                    Assert.Equal(0, report.UnknownNum);
                }
            },
            iter: 60);
    }

    private Task<RunResult> RunAsync(FakePodRuntime runtime, RecordingObserver observer, string manifest, RunOptions? options = null)
    {
        var job = ManifestLoader.Load(manifest, "test.yaml", new Dictionary<string, string>()).Job;
        var engine = new TestJobEngine(runtime, observer, TimeProvider.System);
        return engine.RunAsync(job, _workspace, options ?? new RunOptions(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    private static Dictionary<string, string> Statuses(Report report)
    {
        using var json = JsonDocument.Parse(report.ToJson());
        return json.RootElement.GetProperty("details").EnumerateArray()
            .ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("status").GetString()!);
    }

    /// <summary>A TestJob whose static keys are <paramref name="keys"/> (a YAML flow list) and whose strategy has <paramref name="strategy"/> too.</summary>
    private static string Job(string keys, string strategy = "", string? timeout = null) => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: key-test
        spec:
          mainStep:
            strategy:
              {{strategy}}
              key:
                env: TASK_KEY
                {{(timeout is null ? "" : $"timeout: {timeout}")}}
                source:
                  static: {{keys}}
            template:
              metadata:
                generateName: keys-
              spec:
                containers:
                  - name: test
                    image: alpine
                    command: [go, test, -run, $TASK_KEY]
        """;
}

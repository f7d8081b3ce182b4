using System.Text.Json;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Engine;

/// <summary>
/// The engine against an in-memory runtime (<see cref="FakePodRuntime"/>): step order, failing
/// steps, dynamic keys, retest, finalizers, sidecars, cancellation and pods that fail, as the
/// report, the run's events and the exported files show them. No processes run.
/// </summary>
public sealed class EngineTests : IDisposable
{
    private const string TestTemplate = """
        metadata:
          generateName: keys-
        spec:
          containers:
            - name: test
              image: alpine
              workingDir: /work
              command: [sh, -c, "go test -run $TASK_KEY > result.txt"]
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-engine-tests-").FullName;
    private readonly FakePodRuntime _runtime = new();
    private readonly RecordingObserver _observer = new();
    private readonly RunWorkspace _workspace;

    public EngineTests()
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
    public async Task PreSteps_run_first_then_the_keys_then_postSteps_then_the_export()
    {
        _runtime.OnExec = e => e.Key is { } key ? ExecOutcome.Success.WithFile("/work/result.txt", key) : ExecOutcome.Success;
        var job = Job(
            "static: [k1, k2]",
            scheduler: "{maxContainersPerPod: 1}",
            template: TestTemplate + Artifact("result", "test", "/work/result.txt"),
            spec: $"""
                preSteps:
                {Indent(Step("prep-a"), 2)}
                {Indent(Step("prep-b"), 2)}
                postSteps:
                {Indent(Step("upload", "report:\n  format: json", "/report/report.json"), 2)}
                exportArtifacts:
                  - name: result
                    path: {ExportPath}
                """);

        var result = await RunAsync(job);

        Assert.True(result.Report.Succeeded);
        Assert.Equal(["prep-a-", "prep-b-", "keys-", "keys-", "upload-"], _runtime.Starts.Select(s => s.Request.GenerateName));
        Assert.Equal(
            [("prestep", "prep-a"), ("prestep", "prep-b"), ("mainStep", "keys"), ("report", "report"), ("poststep", "upload"), ("export", "exportArtifacts")],
            _observer.Of<StepStarted>().Select(s => (s.Step.Label, s.Step.Name)));
        var events = _observer.Events.ToList();
        var prepB = events.FindIndex(e => e is StepStarted { Step.Name: "prep-b" });
        var upload = events.FindIndex(e => e is StepStarted { Step.Name: "upload" });
        var keyEvents = events.Select((e, i) => (e, i)).Where(x => x.e is TaskStarted { Task.Step: KeysStep } or KeyFinished { Task.Step: KeysStep }).Select(x => x.i).ToList();
        var exported = events.FindIndex(e => e is ArtifactExported { Name: "result" });
        Assert.Equal(4, keyEvents.Count);
        Assert.True(prepB < keyEvents.Min() && keyEvents.Max() < upload && upload < exported, $"prep-b {prepB}, keys {keyEvents.Min()}..{keyEvents.Max()}, upload {upload}, export {exported}");
        var actions = _runtime.Actions.ToList();
        var lastKeyExec = actions.FindLastIndex(a => a is ExecAction { Key: not null });
        var uploadStart = actions.FindIndex(a => a is PodStartAction { Request.GenerateName: "upload-" });
        Assert.True(lastKeyExec < uploadStart);

        // The postStep got the main step's report, and the export holds each key's file.
        using var report = JsonDocument.Parse(_runtime.Pods[^1].FileIn("upload", "/report/report.json")!);
        Assert.Equal("success", report.RootElement.GetProperty("status").GetString());
        Assert.Equal(2, report.RootElement.GetProperty("totalNum").GetInt32());
        Assert.Equal("k1", File.ReadAllText(Path.Combine(ExportPath, "test0-0", "result.txt")));
        Assert.Equal("k2", File.ReadAllText(Path.Combine(ExportPath, "test1-0", "result.txt")));
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task The_engine_writes_the_runs_log_for_a_log_volume_in_the_console_format_whatever_the_caller_observes()
    {
        _runtime.OnExec = e => e.Key is { } key ? ExecOutcome.Exit(0, $"ran {key}") : ExecOutcome.Success;
        var job = Job(
            "static: [k1, k2]",
            spec: $"""
                postSteps:
                {Indent(Step("upload", "log: {}", "/log/kubetest.log"), 2)}
                """);

        var result = await RunAsync(job);

        Assert.True(result.Report.Succeeded);
        var log = _runtime.Pods[^1].FileIn("upload", "/log/kubetest.log")!.Split('\n');
        Assert.Contains("[INFO] found 2 static keys to start distributed task", log);
        Assert.Contains("[TASK_KEY:k1] sh -c go test -run $TASK_KEY > result.txt", log);
        Assert.Contains("ran k1", log);
        Assert.Contains("ran k2", log);
        Assert.Contains("[INFO] run poststep: upload", log);
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task A_failing_preStep_stops_the_run_before_any_key_or_postStep()
    {
        _runtime.OnExec = e => e.Container == "prep" ? ExecOutcome.Exit(1) : ExecOutcome.Success;
        var job = Job(
            "static: [k1, k2]",
            spec: $"""
                preSteps:
                {Indent(Step("prep"), 2)}
                postSteps:
                {Indent(Step("upload"), 2)}
                """);

        var result = await RunAsync(job);

        Assert.Equal(Report.StatusFailure, result.Report.Status);
        Assert.False(result.Interrupted);
        Assert.False(result.BadInput);
        Assert.Equal(["prep-"], _runtime.Starts.Select(s => s.Request.GenerateName));
        Assert.DoesNotContain(_runtime.Execs, e => e.Key is not null || e.Container == "upload");
        Assert.Contains(_observer.Of<LogEvent>(), e => e is { Level: LogLevel.Error, Message: "prestep prep failed: exit code 1" });
        Assert.Equal(new Dictionary<string, string> { ["k1"] = "unknown", ["k2"] = "unknown" }, Statuses(result.Report));
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task Dynamic_keys_are_the_key_commands_output_split_by_the_delimiter()
    {
        _runtime.OnExec = e => e.Container == "list" ? ExecOutcome.Exit(0, "k1, k$2,", "k3") : ExecOutcome.Success;

        var result = await RunAsync(Job(DynamicKeys(",")));

        Assert.True(result.Report.Succeeded);
        Assert.False(result.BadInput);
        Assert.Equal(["k$2", "k1", "k3"], Statuses(result.Report).Keys.Order(StringComparer.Ordinal));

        // Kubernetes reads $$ in an env value as $, so the container gets the key unchanged.
        Assert.Equal(["k$$2", "k1", "k3"], _runtime.Execs.Where(e => e.Key is not null).Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(new KeysFound(3, Dynamic: true), Assert.Single(_observer.Of<KeysFound>()));
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task Dynamic_keys_split_by_the_default_delimiter_are_the_output_lines()
    {
        _runtime.OnExec = e => e.Container == "list" ? ExecOutcome.Exit(0, "k1", "", "  k2  ", "k3") : ExecOutcome.Success;

        var result = await RunAsync(Job(DynamicKeys(null), scheduler: "{maxContainersPerPod: 2}"));

        Assert.True(result.Report.Succeeded);
        Assert.Equal(3, result.Report.TotalNum);
        Assert.All(Statuses(result.Report), s => Assert.Equal("success", s.Value));
        Assert.Equal(["k1", "k2", "k3"], Statuses(result.Report).Keys.Order());
        Assert.Equal(2, _runtime.Starts.Count(s => s.Request.GenerateName == "keys-"));
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task A_dynamic_key_command_that_prints_nothing_is_bad_input_and_starts_no_key_pod()
    {
        var result = await RunAsync(Job(DynamicKeys(null)));

        Assert.True(result.BadInput);
        Assert.False(result.Report.Succeeded);
        Assert.Equal(0, result.Report.TotalNum);
        Assert.Equal(["list-"], _runtime.Starts.Select(s => s.Request.GenerateName));
        Assert.Contains(_observer.Of<LogEvent>(), e => e.Level == LogLevel.Error && e.Message.StartsWith("no keys: the dynamic key command's output was empty", StringComparison.Ordinal));
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task With_allow_empty_a_dynamic_key_command_that_prints_nothing_succeeds_with_no_keys()
    {
        var result = await RunAsync(Job(DynamicKeys(null)), new RunOptions(AllowEmpty: true));

        Assert.False(result.BadInput);
        Assert.True(result.Report.Succeeded);
        Assert.Equal(0, result.Report.TotalNum);
        Assert.Empty(result.Report.Details);
        Assert.Equal(["list-"], _runtime.Starts.Select(s => s.Request.GenerateName));
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task A_retested_key_reruns_in_its_own_container_and_each_export_directory_holds_its_keys_final_files()
    {
        _runtime.OnExec = e => e.Key switch
        {
            "bad3" when e.Attempt == 1 => ExecOutcome.Exit(1).WithFile("/work/result.txt", "bad3 attempt 1"),
            "bad3" => ExecOutcome.Success.WithFile("/work/result.txt", "bad3 attempt 2"),
            _ => ExecOutcome.Success.WithFile("/work/result.txt", e.Key!),
        };
        var job = Job(
            "static: [ok1, ok2, bad3]",
            scheduler: "{maxContainersPerPod: 1}",
            retest: true,
            template: TestTemplate + Artifact("result", "test", "/work/result.txt"),
            spec: $"""
                exportArtifacts:
                  - name: result
                    path: {ExportPath}
                """);

        var result = await RunAsync(job);

        Assert.True(result.Report.Succeeded);
        Assert.Equal(new Dictionary<string, string> { ["ok1"] = "success", ["ok2"] = "success", ["bad3"] = "success" }, Statuses(result.Report));
        Assert.Equal(new RetestStarted(1), Assert.Single(_observer.Of<RetestStarted>()));
        Assert.Equal(["test2-0", "test2-0"], _runtime.ExecsOfKey("bad3").Select(e => e.Container));
        Assert.Single(_runtime.ExecsOfKey("ok1"));
        Assert.Single(_runtime.ExecsOfKey("ok2"));
        Assert.Equal(["test2-0"], _runtime.Pods[^1].Request.HeldContainers);
        Assert.Equal("ok1", File.ReadAllText(Path.Combine(ExportPath, "test0-0", "result.txt")));
        Assert.Equal("ok2", File.ReadAllText(Path.Combine(ExportPath, "test1-0", "result.txt")));
        Assert.Equal("bad3 attempt 2", File.ReadAllText(Path.Combine(ExportPath, "test2-0", "result.txt")));
        Assert.Equal(["test0-0", "test1-0", "test2-0"], Directory.GetDirectories(ExportPath).Select(d => Path.GetFileName(d)).Order());
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task The_finalizer_runs_once_per_pod_after_its_keys_and_its_failure_is_only_a_warning()
    {
        _runtime.OnExec = e => e.Container == "collect" ? ExecOutcome.Exit(1) : ExecOutcome.Success;
        var template = TestTemplate + """

              finalizerContainer:
                name: collect
                image: alpine
                command: [sh, -c, "tar cf /out/logs.tar /work/logs"]
            """;

        var result = await RunAsync(Job("static: [k1, k2, k3]", scheduler: "{maxContainersPerPod: 2}", template: template));

        Assert.True(result.Report.Succeeded);
        Assert.Equal(3, result.Report.SuccessNum);
        Assert.Equal(2, _runtime.Pods.Count);
        foreach (var pod in _runtime.Pods)
        {
            var execs = _runtime.Execs.Where(e => e.Pod == pod.Name).ToList();
            Assert.Equal("collect", execs[^1].Container);
            Assert.Single(execs, e => e.Container == "collect");
            Assert.Null(execs[^1].Key);
            Assert.Contains("collect", pod.Request.HeldContainers);
            Assert.Contains(_observer.Of<LogEvent>(), e => e.Level == LogLevel.Warn && e.Message == $"finalizer container collect of pod {pod.Name} exited with code 1");
        }

        Assert.Equal([2, 1], _runtime.Pods.Select(p => _runtime.Execs.Count(e => e.Pod == p.Name && e.Key is not null)));
        Assert.DoesNotContain(_observer.Of<LogEvent>(), e => e.Level == LogLevel.Error);
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task A_sidecar_is_in_the_pod_but_never_execd_and_its_artifact_is_collected_after_the_keys_once_per_pod()
    {
        _runtime.ContainerFiles = (request, c) => c == "proxy" ? new Dictionary<string, string> { ["/logs/proxy.log"] = "proxied for " + string.Join(",", request.HeldContainers) } : null;
        var template = """
            metadata:
              generateName: keys-
            main: test
            spec:
              containers:
                - name: proxy
                  image: envoy
                  command: [envoy, --log-path, /logs/proxy.log]
                - name: test
                  image: alpine
                  command: [sh, -c, "go test -run $TASK_KEY"]
            """ + Artifact("proxy-log", "proxy", "/logs/proxy.log");
        var job = Job(
            "static: [k1, k2, k3]",
            scheduler: "{maxContainersPerPod: 2}",
            template: template,
            spec: $"""
                exportArtifacts:
                  - name: proxy-log
                    path: {ExportPath}
                """);

        var result = await RunAsync(job);

        Assert.True(result.Report.Succeeded);
        Assert.Equal(2, _runtime.Pods.Count);
        var pod = _runtime.Pods.Single(p => p.ContainerNames.Contains("test0-0"));
        Assert.Equal(["proxy", "test0-0", "test0-1"], pod.ContainerNames);
        Assert.Equal(["test0-0", "test0-1"], pod.Request.HeldContainers);
        Assert.DoesNotContain(pod.Request.Spec.Containers[0].Env ?? [], e => e.Name == "TASK_KEY");
        Assert.DoesNotContain(_runtime.Execs, e => e.Container == "proxy");
        var actions = _runtime.Actions.ToList();
        foreach (var started in _runtime.Pods)
        {
            var copy = actions.FindIndex(a => a is CopyFromAction { Container: "proxy", Found: true } && a.Pod == started.Name);
            Assert.True(copy > actions.FindLastIndex(a => a is ExecAction && a.Pod == started.Name), $"the sidecar's artifact of {started.Name} is copied after its last key");
        }

        // The sidecar has one name in every pod; each pod's copy is kept under <sidecar><pod index>.
        Assert.Equal("proxied for test0-0,test0-1", File.ReadAllText(Path.Combine(ExportPath, "proxy0", "proxy.log")));
        Assert.Equal("proxied for test1-0", File.ReadAllText(Path.Combine(ExportPath, "proxy1", "proxy.log")));
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task Cancelling_while_keys_run_ends_the_run_as_interrupted_with_the_unfinished_keys_unknown()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new[] { new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        _runtime.HoldExec = e =>
        {
            if (e.Key is "k2" or "k3")
            {
                held[e.Key == "k2" ? 0 : 1].TrySetResult();
                return release.Task;
            }

            return null;
        };
        var job = Job(
            "static: [k1, k2, k3]",
            scheduler: "{maxContainersPerPod: 2, maxConcurrentNumPerPod: 1}",
            spec: $"""
                postSteps:
                {Indent(Step("upload"), 2)}
                """);
        using var cancel = new CancellationTokenSource();

        var run = RunAsync(job, cancellationToken: cancel.Token);
        await Task.WhenAll(held.Select(h => h.Task)).WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();
        var result = await run;

        Assert.True(result.Interrupted);
        Assert.Equal(Report.StatusFailure, result.Report.Status);
        Assert.Equal(new Dictionary<string, string> { ["k1"] = "success", ["k2"] = "unknown", ["k3"] = "unknown" }, Statuses(result.Report));
        Assert.Equal(2, result.Report.UnknownNum);
        Assert.DoesNotContain(_runtime.Starts, s => s.Request.GenerateName == "upload-");
        Assert.Contains(_observer.Of<LogEvent>(), e => e.Level == LogLevel.Warn && e.Message.StartsWith("stopped", StringComparison.Ordinal));
        Assert.Equal(result.Report, Assert.Single(_observer.Of<RunFinished>()).Report);
        Assert.Equal(2, _runtime.Pods.Count);
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task A_pod_that_cannot_start_fails_its_keys_with_the_reason_and_the_other_pods_keys_still_run()
    {
        _runtime.FailStart = r => r.HeldContainers.Contains("test1-0") ? "init container clone exited with code 128" : null;

        var result = await RunAsync(Job("static: [k1, k2, k3]", scheduler: "{maxContainersPerPod: 1}"));

        Assert.Equal(Report.StatusFailure, result.Report.Status);
        Assert.Equal(new Dictionary<string, string> { ["k1"] = "success", ["k2"] = "error", ["k3"] = "success" }, Statuses(result.Report));
        Assert.Equal(1, result.Report.FailureNum);
        var k2 = Assert.Single(_observer.Of<KeyFinished>(), f => f.Task.Name == "k2");
        Assert.Equal(KeyStatus.Error, k2.Result.Status);
        Assert.Contains("could not start: init container clone exited with code 128", k2.Result.Message, StringComparison.Ordinal);
        Assert.Empty(_runtime.ExecsOfKey("k2"));
        Assert.Equal(3, _runtime.Starts.Count);
        Assert.Equal(2, _runtime.Pods.Count);
        AssertEveryStartedPodDisposed();
    }

    [Fact]
    public async Task A_key_whose_pod_died_while_it_ran_is_unknown_and_never_rerun_while_a_key_that_never_ran_is()
    {
        // Pod 0 holds k1 then k3 (one at a time), pod 1 holds k2. k1 loses its connection after it
        // started, so pod 0 is gone and k3 cannot run there.
        _runtime.OnExec = e => e.Key == "k1" ? ExecOutcome.ConnectionLost("lost the connection to the API server") : ExecOutcome.Success;

        var result = await RunAsync(Job("static: [k1, k2, k3]", scheduler: "{maxContainersPerPod: 2, maxConcurrentNumPerPod: 1}", retest: true));

        Assert.Equal(Report.StatusFailure, result.Report.Status);
        Assert.Equal(new Dictionary<string, string> { ["k1"] = "unknown", ["k2"] = "success", ["k3"] = "success" }, Statuses(result.Report));
        Assert.Single(_runtime.ExecsOfKey("k1"));
        Assert.Equal(["test0-1", "test0-1"], _runtime.ExecsOfKey("k3").Select(e => e.Container));
        Assert.Equal(new RetestStarted(1), Assert.Single(_observer.Of<RetestStarted>()));
        var k1 = Assert.Single(_observer.Of<KeyFinished>(), f => f.Task.Name == "k1");
        Assert.Equal(KeyStatus.Unknown, k1.Result.Status);
        Assert.Contains("lost the connection to the API server", k1.Result.Message, StringComparison.Ordinal);
        AssertEveryStartedPodDisposed();
    }

    private async Task<RunResult> RunAsync(string manifest, RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        var job = ManifestLoader.Load(manifest, "test.yaml", new Dictionary<string, string>()).Job;
        var engine = new TestJobEngine(_runtime, _observer, TimeProvider.System);
        return await engine.RunAsync(job, _workspace, options ?? new RunOptions(), cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    private void AssertEveryStartedPodDisposed()
    {
        Assert.NotEmpty(_runtime.Pods);
        Assert.All(_runtime.Pods, p => Assert.True(p.Disposed, $"pod {p.Name} was not disposed"));
    }

    /// <summary>Each key's status as the report's JSON says it.</summary>
    private static Dictionary<string, string> Statuses(Report report)
    {
        using var json = JsonDocument.Parse(report.ToJson());
        return json.RootElement.GetProperty("details").EnumerateArray()
            .ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("status").GetString()!);
    }

    /// <summary>A TestJob with a strategy; <paramref name="keys"/> is the key source, <paramref name="spec"/> more fields of spec.</summary>
    private static string Job(string keys, string scheduler = "{}", bool retest = false, string template = TestTemplate, string spec = "") => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: engine-test
        spec:
        {{Indent(spec, 2)}}
          mainStep:
            strategy:
              retest: {{(retest ? "true" : "false")}}
              key:
                env: TASK_KEY
                source:
        {{Indent(keys, 10)}}
              scheduler: {{scheduler}}
            template:
        {{Indent(template, 6)}}
        """;

    private static string DynamicKeys(string? delimiter) => $"""
        dynamic:
          {(delimiter is null ? "" : $"delimiter: \"{delimiter}\"")}
          template:
            metadata:
              generateName: list-
            spec:
              containers:
                - name: list
                  image: alpine
                  command: [sh, -c, "go test -list ."]
        """;

    /// <summary>A pre- or postStep whose container is named after it, with a kubetest volume mounted at <paramref name="mountPath"/> when given.</summary>
    private static string Step(string name, string? volume = null, string? mountPath = null) => $"""
        - name: {name}
          template:
            metadata:
              generateName: {name}-
            spec:
              containers:
                - name: {name}
                  image: alpine
                  command: [sh, -c, "echo {name}"]
                  {(volume is null ? "" : $"volumeMounts: [{{name: v, mountPath: {mountPath}}}]")}
              {(volume is null ? "" : $"volumes:\n        - name: v\n{Indent(volume, 10)}")}
        """;

    /// <summary>The artifacts field of a template spec (appended to a template).</summary>
    private static string Artifact(string name, string container, string path) => $"""

          artifacts:
            - name: {name}
              container:
                name: {container}
                path: {path}
        """;

    private static string Indent(string text, int spaces) =>
        string.Join('\n', text.Split('\n').Select(l => l.Length == 0 ? l : new string(' ', spaces) + l));
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Kubetest.Cli.Tests;

/// <summary>
/// The kubernetes runtime through kubetest-agent, on the emulator, whose pods run the agent this
/// build made (each pod on its own loopback IP): commands, artifacts and placed files go over gRPC
/// to the agent, and no exec reaches the API server for an agent's container.
/// </summary>
public sealed class AgentRunTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private static string Agent(string extra = "") => $"agent:\n  installedPath: {Runtimes.AgentPath}\n{extra}";

    [SkippableFact]
    public async Task Example_8_runs_its_command_through_the_agent_without_any_exec()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);

        var run = await cli.RunAsync("--log-level=info", CliRunner.Example("agent.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("hello", run.StderrLines);
        Assert.DoesNotContain(run.StderrLines, l => l.StartsWith("[WARN]", StringComparison.Ordinal));
        var pod = PodOf("kubetest-agent-testjob-");
        var container = Assert.Single(pod.Spec.Containers);
        Assert.Equal([Runtimes.AgentPath], container.Command);
        Assert.Equal(["--port", "5000"], container.Args);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", container.Env.Single(e => e.Name == "AGENT_PUBLIC_KEY_PEM").Value, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE", KubernetesJson.Serialize(pod), StringComparison.Ordinal);
        Assert.DoesNotContain(runtimes.Emulator.Execs, e => e.Pod == pod.Metadata.Name);
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    [SkippableFact]
    public async Task Agents_of_a_pod_get_ports_in_order_skipping_excluded_ones_and_carry_keys_artifacts_files_and_exit_codes()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var export = Path.Combine(cli.Root, "export");
        var manifest = cli.Write("agents.yaml", AgentManifest(Agent("  allocationStartPort: 7000\n  excludePorts: [7001, 7003]\n  timeout: 10m"), export));

        var run = await cli.RunAsync("--log-level=info", manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var report = run.Report;
        Assert.Equal(2, report.GetProperty("successNum").GetInt32());
        Assert.Equal(1, report.GetProperty("failureNum").GetInt32());
        Assert.Equal(
            [("a", "success"), ("b", "failure"), ("c", "success")],
            report.GetProperty("details").EnumerateArray().Select(d => (d.GetProperty("name").GetString(), d.GetProperty("status").GetString())).Order());
        Assert.Contains("key-output a prepared", run.StderrLines);

        var pod = PodOf("agents-");
        Assert.Equal(
            [("test0-0", "7000"), ("test0-1", "7002"), ("test0-2", "7004")],
            pod.Spec.Containers.Select(c => (c.Name, c.Args[1])));
        Assert.All(pod.Spec.Containers, c => Assert.Equal([Runtimes.AgentPath], c.Command));
        Assert.All(pod.Spec.Containers, c => Assert.Equal(["--port", c.Args[1], "--timeout", "10m"], c.Args));
        Assert.Single(pod.Spec.Containers.SelectMany(c => c.Env).Where(e => e.Name == "AGENT_PUBLIC_KEY_PEM").Select(e => e.Value).Distinct());

        // Artifacts came out through the agents and were exported; kubetest's files reached the keys' and the postStep's agents.
        foreach (var key in new[] { "a", "b", "c" })
        {
            var container = $"test0-{key[0] - 'a'}";
            Assert.Equal($"{key}\n", File.ReadAllText(Path.Combine(export, container, "result.txt")));
        }

        Assert.True(run.StderrLines.Contains("post sees 3 key outputs and \"totalNum\": 3"), run.ToString());
        Assert.DoesNotContain(runtimes.Emulator.Execs, e => e.Pod == PodOf("prep-").Metadata.Name);

        var post = PodOf("post-");
        Assert.Equal([Runtimes.AgentPath], post.Spec.Containers.Single().Command);
        Assert.Equal(["--port", "7000", "--timeout", "10m"], post.Spec.Containers.Single().Args);
        Assert.Null(post.Spec.InitContainers);
        Assert.DoesNotContain(runtimes.Emulator.Execs, e => e.Pod == pod.Metadata.Name || e.Pod == post.Metadata.Name);
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    [SkippableFact]
    public async Task Through_the_agent_a_key_runs_its_argv_without_a_shell_as_the_original_does()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("argv.yaml", Manifests.Strategy(["k1"], "unused", extraContainer: Agent()).Replace(
            "command: [\"sh\", \"-c\"]\n            args:\n              - \"unused\"",
            "command: [\"printf\", \"%s|%s|%s\\\\n\", \"$TASK_KEY\", \"a  b\", \"'q'\"]",
            StringComparison.Ordinal));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("$TASK_KEY|a  b|'q'", run.StderrLines);
    }

    [SkippableFact]
    public async Task Two_pods_whose_agents_listen_on_the_same_port_run_side_by_side_each_at_its_own_IP()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("two-pods.yaml", Manifests.Strategy(["a", "b"], "sleep 1; echo ran $TASK_KEY", scheduler: "maxContainersPerPod: 1", extraContainer: Agent()));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("ran a", run.StderrLines);
        Assert.Contains("ran b", run.StderrLines);
        var pods = runtimes.Emulator.StartedPods.Where(p => p.Metadata.Labels?["job-name"].StartsWith("e2e-", StringComparison.Ordinal) == true).TakeLast(2).ToList();
        Assert.All(pods, p => Assert.Equal(["--port", "5000"], p.Spec.Containers.Single().Args));
        Assert.DoesNotContain(runtimes.Emulator.Execs, e => pods.Any(p => p.Metadata.Name == e.Pod));
    }

    [Fact]
    public async Task The_dry_run_shows_each_agent_command_and_port()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("agents.yaml", Manifests.Strategy(["a", "b"], "echo $TASK_KEY", extraContainer: Agent("  allocationStartPort: 7000\n  excludePorts: [7001]")));

        var run = await cli.RunAsync("--dry-run", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"     agent in test0-0: {Runtimes.AgentPath} --port 7000 (kubetest connects to <pod IP>:7000)", run.StderrLines);
        Assert.Contains($"     agent in test0-1: {Runtimes.AgentPath} --port 7002 (kubetest connects to <pod IP>:7002)", run.StderrLines);
        var job = k8s.KubernetesYaml.LoadAllFromString(run.Stdout).Cast<V1Job>().Single();
        Assert.Equal(["--port", "7002"], job.Spec.Template.Spec.Containers[1].Args);
    }

    [SkippableFact]
    public async Task An_agent_that_never_answers_fails_its_pod_after_the_agent_ready_timeout()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        runtimes.Emulator.Options.Executables["/opt/silent-agent"] = ["sh", "-c", "sleep 600", "silent-agent"];
        var manifest = cli.Write("silent.yaml", Manifests.Strategy(["a"], "echo $TASK_KEY", extraContainer: "agent:\n  installedPath: /opt/silent-agent\n"));

        var run = await cli.RunAsync("--agent-ready-timeout", "2s", manifest);

        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Contains(run.StderrLines, l => l.Contains("did not answer at http://", StringComparison.Ordinal) && l.Contains("within 2 s", StringComparison.Ordinal));
        Assert.NotEqual("success", run.Report.GetProperty("details")[0].GetProperty("status").GetString());
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    [SkippableFact]
    public async Task The_report_is_the_one_of_the_exec_path_once_timings_are_removed()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var withAgent = await cli.RunAsync(cli.Write("agent.yaml", AgentManifest(Agent(), Path.Combine(cli.Root, "e1"))));
        var withExec = await cli.RunAsync(cli.Write("exec.yaml", AgentManifest("", Path.Combine(cli.Root, "e2"))));

        Assert.True(withAgent.ExitCode == 1, withAgent.ToString());
        Assert.Equal(withExec.ExitCode, withAgent.ExitCode);
        Assert.Equal(WithoutTimings(withExec.Stdout), WithoutTimings(withAgent.Stdout));
        Assert.NotEmpty(runtimes.Emulator.Execs);
    }

    [SkippableFact]
    public async Task A_key_over_its_timeout_is_killed_in_the_container_and_fails_with_124_as_on_the_exec_path()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var mark = Guid.NewGuid().ToString("N");
        var manifest = cli.Write("timeout.yaml", Manifests.Strategy(
            ["quick", "slow"],
            $"if [ $TASK_KEY = slow ]; then sleep 617 & wait; fi; echo done $TASK_KEY",
            extraContainer: Agent() + $"env:\n  - name: RUN_MARK\n    value: {mark}"));

        var run = await cli.RunAsync("--key-timeout", "2s", manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var slow = run.Report.GetProperty("details").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "slow");
        Assert.Equal("failure", slow.GetProperty("status").GetString());
        Assert.Contains(run.StderrLines, l => l.Contains("timed out after 2s", StringComparison.Ordinal));
        Assert.Contains("done quick", run.StderrLines);
        await AssertNoProcessCarriesAsync(mark);
    }

    [SkippableFact]
    public async Task SIGINT_stops_the_keys_in_their_containers_ends_the_agents_and_leaves_nothing()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var mark = Guid.NewGuid().ToString("N");
        var manifest = cli.Write("long.yaml", Manifests.Strategy(
            ["quick", "slow-1", "slow-2"],
            "if [ $TASK_KEY = quick ]; then echo quick-done; exit 0; fi; sleep 613",
            scheduler: "maxContainersPerPod: 3",
            extraContainer: Agent() + $"env:\n  - name: RUN_MARK\n    value: {mark}"));

        var run = await cli.RunAndSignalAsync("INT", "1/3", manifest);

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Equal(2, run.Report.GetProperty("unknownNum").GetInt32());
        Assert.Empty(cli.Leftovers());
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
        await AssertNoProcessCarriesAsync(mark);
    }

    /// <summary>
    /// A preStep makes an artifact that every key reads from an artifact volume; each key writes its
    /// own artifact (b fails); a postStep reads the run's log and report from kubetest's volumes.
    /// <paramref name="agent"/> goes into every container (empty: the exec path).
    /// </summary>
    [SkippableFact]
    public async Task In_queue_mode_workers_with_agents_take_every_key_and_export_each_keys_artifact_without_any_exec()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var export = Path.Combine(cli.Root, "export");
        var manifest = cli.Write("queue-agent.yaml", $$"""
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata:
              name: queue-agent
            spec:
              mainStep:
                strategy:
                  key:
                    env: TASK_KEY
                    source:
                      static: [a, b, c, d, e]
                  scheduler:
                    maxPodNum: 1
                    maxConcurrentNumPerPod: 2
                    mode: queue
                template:
                  metadata:
                    generateName: queue-agent-
                  spec:
                    artifacts:
                      - name: out
                        container:
                          name: test
                          path: /kubetest-out
                    containers:
                      - name: test
                        image: alpine
                        command: ["sh", "-c", "mkdir -p /kubetest-out && ls /kubetest-out | sed 's/^/left: /' && echo $TASK_KEY > /kubetest-out/result.txt && echo key-output $TASK_KEY"]
            {{Indent(Agent(), 12)}}
              exportArtifacts:
                - name: out
                  path: {{export}}
            """);

        var run = await cli.RunAsync("--log-level=info", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(5, run.Report.GetProperty("successNum").GetInt32());
        Assert.Equal(["a", "b", "c", "d", "e"], run.StderrLines.Where(l => l.StartsWith("key-output ", StringComparison.Ordinal)).Select(l => l["key-output ".Length..]).Order());
        Assert.DoesNotContain(run.StderrLines, l => l.StartsWith("left: ", StringComparison.Ordinal));
        var exported = Directory.GetFiles(export, "result.txt", SearchOption.AllDirectories);
        Assert.Equal(["a", "b", "c", "d", "e"], exported.Select(f => File.ReadAllText(f).Trim()).Order());
        var pod = PodOf("queue-agent-");
        Assert.Equal(["5000", "5001"], pod.Spec.Containers.Select(c => c.Args[1]).Order());
        Assert.DoesNotContain(runtimes.Emulator.Execs, e => e.Pod == pod.Metadata.Name);
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    private static string AgentManifest(string agent, string export) => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: agents
        spec:
          preSteps:
            - name: prep
              template:
                metadata:
                  generateName: prep-
                spec:
                  artifacts:
                    - name: input
                      container:
                        name: prep
                        path: /kubetest-prep/input.txt
                  containers:
                    - name: prep
                      image: alpine
                      command: ["sh", "-c", "mkdir -p /kubetest-prep && echo prepared > /kubetest-prep/input.txt"]
        {{Indent(agent, 14)}}
          mainStep:
            strategy:
              key:
                env: TASK_KEY
                source:
                  static: [a, b, c]
              scheduler:
                maxContainersPerPod: 3
            template:
              metadata:
                generateName: agents-
              spec:
                artifacts:
                  - name: out
                    container:
                      name: test
                      path: /kubetest-out/result.txt
                containers:
                  - name: test
                    image: alpine
                    command: ["sh", "-c"]
                    args:
                      - "mkdir -p /kubetest-out && echo $TASK_KEY > /kubetest-out/result.txt && echo key-output $TASK_KEY $(cat /kubetest-in/input.txt) && [ $TASK_KEY != b ] || exit 3"
                    volumeMounts:
                      - name: input
                        mountPath: /kubetest-in/input.txt
        {{Indent(agent, 12)}}
                volumes:
                  - name: input
                    artifact:
                      name: input
          postSteps:
            - name: post
              template:
                metadata:
                  generateName: post-
                spec:
                  containers:
                    - name: post
                      image: alpine
                      command: ["sh", "-c", "echo post sees $(grep -c ^key-output /kubetest-post/log) key outputs and $(grep -o '\"totalNum\": 3' /kubetest-post/report.json)"]
                      volumeMounts:
                        - name: log
                          mountPath: /kubetest-post/log
                        - name: report
                          mountPath: /kubetest-post/report.json
        {{Indent(agent, 14)}}
                  volumes:
                    - name: log
                      log: {}
                    - name: report
                      report:
                        format: json
          exportArtifacts:
            - name: out
              path: {{export}}
        """;

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.Trim('\n').Split('\n').Select(l => new string(' ', spaces) + l));

    private V1Pod PodOf(string generateName) =>
        runtimes.Emulator.StartedPods.Last(p => p.Metadata.Labels?.TryGetValue("job-name", out var job) == true && job.StartsWith(generateName, StringComparison.Ordinal));

    private static string WithoutTimings(string reportJson)
    {
        var report = JsonNode.Parse(reportJson)!.AsObject();
        report.Remove("startedAt");
        report.Remove("elapsedTimeSec");
        var details = report["details"]!.AsArray().Select(d => d!.DeepClone().AsObject()).ToList();
        foreach (var detail in details)
        {
            detail.Remove("elapsedTimeSec");
            detail.Remove("elapsedSeconds");
        }

        // Keys are reported in the order they finished, which timing decides.
        report["details"] = new JsonArray([.. details.OrderBy(d => d["name"]!.GetValue<string>(), StringComparer.Ordinal)]);
        return report.ToJsonString();
    }

    /// <summary>No process (an agent, a key's command or its children) started with <paramref name="mark"/> in its environment is left, after a moment for the kubelet's cleanup.</summary>
    private static async Task AssertNoProcessCarriesAsync(string mark)
    {
        var deadline = Stopwatch.StartNew();
        List<string> left;
        do
        {
            left = [.. Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)).Where(d => Carries(d, mark)).Select(Describe)];
            if (left.Count == 0)
            {
                return;
            }

            await Task.Delay(100);
        }
        while (deadline.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Fail($"still running: {string.Join("; ", left)}");
    }

    private static bool Carries(string proc, string mark)
    {
        try
        {
            return File.ReadAllText(Path.Combine(proc, "environ")).Contains(mark, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Describe(string proc)
    {
        try
        {
            return $"{Path.GetFileName(proc)}: {File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ')}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Path.GetFileName(proc);
        }
    }
}

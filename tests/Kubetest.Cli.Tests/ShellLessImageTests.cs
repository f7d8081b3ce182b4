namespace Kubetest.Cli.Tests;

/// <summary>
/// kubetest-agent in an image without a shell (<see cref="ShellLessImage"/>) on the emulator, through
/// the real CLI: keys run as their argv, a queue worker's key and a batch's keys and JUnit path travel in
/// the agent's exec env, artifacts come out and are cleared through the agent, and nothing needs sh.
/// </summary>
public sealed class ShellLessImageTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [SkippableFact]
    public async Task A_key_runs_and_its_artifact_is_exported_from_an_image_without_a_shell()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var export = Path.Combine(cli.Root, "export");
        var manifest = cli.Write("shell-less.yaml", Manifest(["a", "b"], "[/opt/tools/install, -D, /proc/self/environ, /kubetest-out/environ]", export));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(2, run.Report.GetProperty("successNum").GetInt32());
        Assert.Equal(["TASK_KEY=a", "TASK_KEY=b"], ExportedKeys(export).Order());
    }

    [SkippableFact]
    public async Task A_key_that_runs_bin_sh_there_fails_with_127_because_the_image_has_none()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("shell.yaml", Manifest(["a"], "[/bin/sh, -c, \"echo from-a-shell\"]", Path.Combine(cli.Root, "export")));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var status = run.Report.GetProperty("details")[0].GetProperty("status").GetString();
        Assert.True(status == "failure", $"status {status}: {run}");
        Assert.DoesNotContain("from-a-shell", run.StderrLines);
        Assert.Contains(run.StderrLines, l => l.Contains("kubetest-agent: cannot run /bin/sh", StringComparison.Ordinal));
        Assert.Contains("[WARN] a: exit code 127", run.StderrLines);
    }

    [SkippableFact]
    public async Task In_queue_mode_the_key_reaches_each_command_in_the_agents_env_and_artifacts_are_cleared_without_a_shell()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var export = Path.Combine(cli.Root, "export");

        // --backup=numbered: were an earlier key's file still there, it would be kept as environ.~1~ and exported too.
        var manifest = cli.Write("queue.yaml", Manifest(
            ["k1", "k2", "k3", "k4"],
            "[/opt/tools/install, -D, --backup=numbered, /proc/self/environ, /kubetest-out/environ]",
            export,
            "maxPodNum: 1\nmaxConcurrentNumPerPod: 2\nmode: queue"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            ["k1", "k2", "k3", "k4"],
            run.Report.GetProperty("details").EnumerateArray().Where(d => d.GetProperty("status").GetString() == "success").Select(d => d.GetProperty("name").GetString()).Order());
        var keyDirectories = Directory.GetDirectories(export, "*-k*", SearchOption.AllDirectories);
        Assert.Equal(4, keyDirectories.Length);
        foreach (var directory in keyDirectories)
        {
            var files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories);
            var key = Path.GetFileName(directory).Split('-', 2)[1];
            Assert.True(files.Length == 1 && Path.GetFileName(files[0]) == "environ", $"{directory}: {string.Join(", ", files)}");
            Assert.Equal([$"TASK_KEY={key}"], ExportedKeys(directory));
        }

        Assert.Equal(2, keyDirectories.Select(d => Path.GetFileName(Path.GetDirectoryName(d))).Distinct().Count());
        var pod = runtimes.Emulator.StartedPods.Last(p => p.Metadata.Name.StartsWith("shell-less-", StringComparison.Ordinal));
        Assert.DoesNotContain(runtimes.Emulator.Execs, e => e.Pod == pod.Metadata.Name);
    }

    [SkippableTheory]
    [InlineData("maxPodNum: 1\nmaxConcurrentNumPerPod: 1\nmode: queue")]
    [InlineData("maxPodNum: 1\nmaxConcurrentNumPerPod: 1")]
    public async Task A_batch_gets_its_keys_and_its_JUnit_path_in_the_agents_env_without_a_shell(string scheduler)
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var export = Path.Combine(cli.Root, "export");
        var manifest = cli.Write("batch.yaml", Manifest(
            ["k1", "k2", "k3", "k4"],
            "[/opt/tools/install, -D, --backup=numbered, /proc/self/environ, /kubetest-out/environ]",
            export,
            scheduler,
            "batch:\n  maxKeys: 2"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(4, run.Report.GetProperty("successNum").GetInt32());
        var files = Directory.GetFiles(export, "*", SearchOption.AllDirectories);
        Assert.All(files, f => Assert.Equal("environ", Path.GetFileName(f)));
        var environments = files.Select(f => File.ReadAllText(f).Split('\0')).ToList();
        var batches = environments.Select(e => e.Single(v => v.StartsWith("TASK_KEY=", StringComparison.Ordinal))["TASK_KEY=".Length..].Split(' ')).ToList();
        Assert.Equal(2, batches.Count);
        Assert.All(batches, b => Assert.Equal(2, b.Length));
        Assert.Equal(["k1", "k2", "k3", "k4"], batches.SelectMany(b => b).Order());
        Assert.All(environments, e => Assert.Matches("^KUBETEST_JUNIT=/tmp/kubetest-junit/[0-9]+\\.xml$", e.Single(v => v.StartsWith("KUBETEST_JUNIT=", StringComparison.Ordinal))));
    }

    /// <summary>With the agent the JUnit path arrives in the exec's env (its directory made by the agent), and the file is read and removed through it.</summary>
    [SkippableFact]
    public async Task Through_the_agent_a_batch_writes_JUnit_at_the_path_in_its_env_and_each_key_gets_its_status_from_it()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        const string script = "for k in $TASK_KEY; do f=; [ $k = k2 ] && f='<failure/>'; echo \"<testcase name='$k'>$f</testcase>\"; done > /tmp/cases && { echo '<testsuite>'; cat /tmp/cases; echo '</testsuite>'; } > \"$KUBETEST_JUNIT\"";
        var manifest = cli.Write("junit.yaml", Manifest(
            ["k1", "k2", "k3", "k4"],
            $"[sh, -c, {Manifests.Quote(script)}]",
            Path.Combine(cli.Root, "export"),
            "maxPodNum: 1\nmaxConcurrentNumPerPod: 1\nmode: queue",
            "batch:\n  maxKeys: 2",
            image: "alpine",
            agentPath: Runtimes.AgentPath));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(
            [("k1", "success", 1), ("k2", "failure", 1), ("k3", "success", 1), ("k4", "success", 1)],
            run.Report.GetProperty("details").EnumerateArray().Select(d => (d.GetProperty("name").GetString(), d.GetProperty("status").GetString(), d.GetProperty("attempts").GetInt32())).Order());
        var pod = runtimes.Emulator.StartedPods.Last(p => p.Metadata.Name.StartsWith("shell-less-", StringComparison.Ordinal));
        Assert.DoesNotContain(runtimes.Emulator.Execs, e => e.Pod == pod.Metadata.Name);
    }

    /// <summary>The TASK_KEY entries of the environments the keys' artifacts recorded, one for each exported file.</summary>
    private static List<string> ExportedKeys(string export) =>
        [.. Directory.GetFiles(export, "environ*", SearchOption.AllDirectories)
            .Select(f => File.ReadAllText(f).Split('\0').Single(v => v.StartsWith("TASK_KEY=", StringComparison.Ordinal)))];

    private static string Manifest(IEnumerable<string> keys, string command, string export, string scheduler = "maxContainersPerPod: 2", string batch = "", string image = ShellLessImage.Name, string agentPath = ShellLessImage.AgentPath) => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: shell-less
        spec:
          mainStep:
            strategy:
              key:
                env: TASK_KEY
                source:
                  static: [{{string.Join(", ", keys)}}]
              scheduler:
                {{scheduler.Replace("\n", "\n        ", StringComparison.Ordinal)}}
              {{batch.Replace("\n", "\n      ", StringComparison.Ordinal)}}
            template:
              metadata:
                generateName: shell-less-
              spec:
                artifacts:
                  - name: out
                    container:
                      name: test
                      path: /kubetest-out
                containers:
                  - name: test
                    image: {{image}}
                    command: {{command}}
                    agent:
                      installedPath: {{agentPath}}
          exportArtifacts:
            - name: out
              path: {{export}}
        """;
}

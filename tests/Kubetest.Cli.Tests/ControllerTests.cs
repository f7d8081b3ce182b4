using System.Text.Json;

namespace Kubetest.Cli.Tests;

/// <summary>
/// <c>kubetest controller</c> end to end on the emulator: TestJobs applied with kubectl, run by the controller as the
/// <c>controller</c> identity, their outcome read back from the status, the report ConfigMap and the Events.
/// </summary>
public sealed class ControllerTests(ControllerCluster cluster) : IClassFixture<ControllerCluster>
{
    private static string Named(string manifest, string name, string ns) =>
        manifest.Replace("name: e2e\n", $"name: {name}\n  namespace: {ns}\n", StringComparison.Ordinal);

    /// <summary>
    /// Applies TestJob <paramref name="name"/>: <paramref name="keys"/> keys that each append their name to a file on the
    /// host, then wait, so a test can act while they run. Returns once every key has started, with that file's path.
    /// </summary>
    private async Task<string> ApplyHoldingAsync(CliRunner cli, string ns, string name, int keys, BackgroundCli controller)
    {
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var manifest = Named(
            Manifests.Strategy(
                Enumerable.Range(1, keys).Select(i => $"k{i}"),
                "echo $TASK_KEY >> /state/started; sleep 300",
                scheduler: $"maxContainersPerPod: {keys}",
                extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
                extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"),
            name,
            ns);
        await cluster.KubectlAsync("apply", "-f", cli.Write(name + ".yaml", manifest));
        var started = Path.Combine(state, "started");
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!File.Exists(started) || File.ReadAllLines(started).Length < keys)
        {
            Assert.False(limit.IsCancellationRequested, $"{started} never had {keys} lines\n{controller.Stderr}");
            await Task.Delay(100);
        }

        return started;
    }

    [SkippableTheory]
    [InlineData("simple")]
    [InlineData("prestep")]
    [InlineData("strategy-static")]
    [InlineData("strategy-dynamic")]
    [InlineData("agent")]
    [InlineData("public-repo")]
    [InlineData("private-repo")]
    [InlineData("pytest-ids")]
    public async Task An_example_applied_with_kubectl_ends_with_the_status_and_report_the_CLI_gives_for_it(string example)
    {
        Skip.If(example == "pytest-ids" && !TestIdKeyTests.PytestInstalled(), "pytest is not on PATH (Debian: python3-pytest)");
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        var file = CliRunner.Example(example + ".yaml");

        // Templates: --template NAME=VALUE on the command line, the annotation template.kubetest.io/NAME on a TestJob.
        var repo = example.EndsWith("-repo", StringComparison.Ordinal) ? RepositoryTests.CreateRepository(cli.Root) : null;
        var templates = example switch
        {
            "pytest-ids" => new Dictionary<string, string> { ["project"] = CliRunner.Example("pytest-ids") },
            _ when repo is not null => new Dictionary<string, string> { ["repo"] = repo },
            _ => [],
        };
        if (example == "private-repo")
        {
            RepositoryTests.GitHubTokenSecret(cli, cluster.Runtimes, RuntimeKind.Kubernetes, "ghs_" + Guid.NewGuid().ToString("N"));
        }

        var junitPath = Path.Combine(cli.Root, "cli.xml");
        var byCli = await cli.RunAsync([.. templates.SelectMany(t => new[] { "--template", $"{t.Key}={t.Value}" }), "--junit", junitPath, file]);
        Assert.True(byCli.ExitCode == 0, byCli.ToString());
        var name = YamlJson.Parse(File.ReadAllText(file))!["metadata"]!["name"]!.GetValue<string>();
        var applied = templates.Count == 0
            ? file
            : cli.Write("testjob.yaml", File.ReadAllText(file).Replace("  namespace: default\n", $"  namespace: default\n  annotations:\n{string.Concat(templates.Select(t => $"    template.kubetest.io/{t.Key}: {Manifests.Quote(t.Value)}\n"))}", StringComparison.Ordinal));
        await using var controller = cluster.StartController(cli, "default", repo is null ? [] : ["--allow-local-repositories"]);
        await controller.WaitForLineAsync("holds lease default/kubetest-controller");

        await cluster.KubectlAsync("apply", "-f", applied);
        var job = await cluster.WaitForPhaseAsync("default", name, controller, "Succeeded", "Failed", "Error");

        var status = job.GetProperty("status");
        Assert.True(ControllerCluster.Phase(job) == "Succeeded", $"{job}\n{controller.Stderr}");
        var report = byCli.Report;
        foreach (var count in new[] { "totalNum", "successNum", "failureNum" })
        {
            Assert.Equal(report.GetProperty(count).GetInt32(), status.GetProperty(count).GetInt32());
        }

        Assert.Equal(1, status.GetProperty("observedGeneration").GetInt64());
        Assert.True(status.TryGetProperty("startTime", out _) && status.TryGetProperty("completionTime", out _), status.ToString());
        var mapName = status.GetProperty("reportConfigMap").GetString();
        var map = Assert.Single(cluster.Emulator.StoredConfigMaps("default"), m => m.Metadata.Name == mapName);
        Assert.Equal($"kubetest-report-{name}", mapName);
        Assert.Equal(name, Assert.Single(map.Metadata.OwnerReferences).Name);
        var sortKeys = example.StartsWith("strategy", StringComparison.Ordinal) || example == "pytest-ids";
        Assert.Equal(ReportNormalizer.Report(byCli.Stdout, cli.Root, sortKeys), ReportNormalizer.Report(map.Data["report.json"], cli.Root, sortKeys));
        Assert.Equal(ReportNormalizer.JUnit(File.ReadAllText(junitPath), cli.Root, sortKeys), ReportNormalizer.JUnit(map.Data["junit.xml"], cli.Root, sortKeys));

        var table = await cluster.KubectlAsync("get", "testjobs", "-n", "default");
        Assert.Contains(table.Split('\n'), l => l.StartsWith(name + " ", StringComparison.Ordinal) && l.Contains("Succeeded", StringComparison.Ordinal));
        var described = await cluster.KubectlAsync("describe", "testjob", name, "-n", "default");
        Assert.Contains("Started", described, StringComparison.Ordinal);
        Assert.Contains("Succeeded", described, StringComparison.Ordinal);

        await cluster.KubectlAsync("delete", "testjob", name, "-n", "default");
        await cluster.WaitForGoneAsync("default", name, controller);
        Assert.DoesNotContain(cluster.Emulator.StoredConfigMaps("default"), m => m.Metadata.Name == mapName);
        Assert.Empty(cluster.LeftIn("default"));
        var stopped = await controller.StopAsync();
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
    }

    [Fact]
    public async Task A_failing_key_makes_the_TestJob_Failed_naming_the_key_in_its_status_and_an_event()
    {
        const string ns = "ctl-failing";
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("job.yaml", Named(Manifests.Strategy(["good", "bad"], "test $TASK_KEY = good"), "failing", ns));
        await using var controller = cluster.StartController(cli, ns);

        await cluster.KubectlAsync("apply", "-f", manifest);
        var job = await cluster.WaitForPhaseAsync(ns, "failing", controller, "Succeeded", "Failed", "Error");

        Assert.Equal("Failed", ControllerCluster.Phase(job));
        var status = job.GetProperty("status");
        Assert.Equal(["bad"], status.GetProperty("failedKeys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(1, status.GetProperty("successNum").GetInt32());
        Assert.Equal("1 of 2 keys did not pass", status.GetProperty("message").GetString());
        var described = await cluster.KubectlAsync("describe", "testjob", "failing", "-n", ns);
        Assert.Contains("KeyFailed", described, StringComparison.Ordinal);
        Assert.Contains("key bad failed", described, StringComparison.Ordinal);
        Assert.Contains(controller.StderrLines, l => l.StartsWith($"[{ns}/failing] [TASK_KEY:bad]", StringComparison.Ordinal));
        Assert.Empty(cluster.LeftIn(ns));
    }

    [Fact]
    public async Task A_TestJobs_exportArtifacts_write_nothing_on_the_controllers_filesystem_and_its_status_says_so()
    {
        const string ns = "ctl-export";
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        var target = Path.Combine(cli.Root, "exported");
        var manifest = File.ReadAllText(CliRunner.Example("export-artifact.yaml"))
            .Replace("path: /tmp/artifacts", $"path: {target}", StringComparison.Ordinal)
            .Replace("  namespace: default\n", $"  namespace: {ns}\n", StringComparison.Ordinal);
        await using var controller = cluster.StartController(cli, ns);

        await cluster.KubectlAsync("apply", "-f", cli.Write("export.yaml", manifest));
        var job = await cluster.WaitForPhaseAsync(ns, "strategy-static-testjob", controller, "Succeeded", "Failed", "Error");

        Assert.True(ControllerCluster.Phase(job) == "Succeeded", $"{job}\n{controller.Stderr}");
        Assert.False(Path.Exists(target), controller.Stderr);
        Assert.Equal(
            $"3 of 3 keys passed; first warning: exportArtifacts: result to {target} not exported: a TestJob the controller runs reads and writes nothing on the controller's filesystem",
            job.GetProperty("status").GetProperty("message").GetString());
        Assert.Empty(cluster.LeftIn(ns));
    }

    [Fact]
    public async Task A_repositorys_clonedPath_is_not_used_by_the_controller_which_clones_into_the_runs_directory_and_says_so()
    {
        const string ns = "ctl-cloned";
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        var url = RepositoryTests.CreateRepository(cli.Root);
        var cloned = Path.Combine(cli.Root, "cloned-here");
        var manifest = Named(
            Manifests.Single(
                "test -f /src/README.md && echo checked out",
                extraSpec: $"repos:\n  - name: code\n    value:\n      url: {Manifests.Quote(url)}\n      branch: main\n      clonedPath: {Manifests.Quote(cloned)}",
                extraPodSpec: "volumes:\n  - name: src\n    repo:\n      name: code",
                extraContainer: "volumeMounts:\n  - name: src\n    mountPath: /src"),
            "cloned",
            ns);
        await using var controller = cluster.StartController(cli, ns, "--allow-local-repositories");

        await cluster.KubectlAsync("apply", "-f", cli.Write("cloned.yaml", manifest));
        var job = await cluster.WaitForPhaseAsync(ns, "cloned", controller, "Succeeded", "Failed", "Error");

        Assert.True(ControllerCluster.Phase(job) == "Succeeded", $"{job}\n{controller.Stderr}");
        Assert.False(Path.Exists(cloned), controller.Stderr);
        Assert.EndsWith(
            $" passed; first warning: spec.repos[code].value.clonedPath {cloned} not used (cloned into the run's directory): a TestJob the controller runs reads and writes nothing on the controller's filesystem",
            job.GetProperty("status").GetProperty("message").GetString(),
            StringComparison.Ordinal);
        Assert.Contains($"[{ns}/cloned] checked out", controller.StderrLines);
    }

    [Fact]
    public async Task Deleting_a_running_TestJob_stops_its_keys_within_seconds_and_leaves_nothing()
    {
        const string ns = "ctl-delete";
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        await using var controller = cluster.StartController(cli, ns);
        var started = await ApplyHoldingAsync(cli, ns, "held", keys: 2, controller);
        Assert.NotEmpty(cluster.LeftIn(ns));

        var deleting = System.Diagnostics.Stopwatch.StartNew();
        await cluster.KubectlAsync("delete", "testjob", "held", "-n", ns, "--wait=false");
        await cluster.WaitForGoneAsync(ns, "held", controller);

        Assert.True(deleting.Elapsed < TimeSpan.FromSeconds(60), $"{deleting.Elapsed}\n{controller.Stderr}");
        Assert.Empty(cluster.LeftIn(ns));
        Assert.Contains($"[INFO] {ns}/held: deleted during its run: stopping it", controller.StderrLines);
        Assert.Equal(2, File.ReadAllLines(started).Length);
    }

    [Fact]
    public async Task A_controller_stopped_by_SIGTERM_mid_run_stops_its_keys_marks_the_run_Error_and_exits_0()
    {
        const string ns = "ctl-sigterm";
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        var controller = cluster.StartController(cli, ns);
        var started = await ApplyHoldingAsync(cli, ns, "stopped", keys: 2, controller);

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        var stopped = await controller.StopAsync();
        await controller.DisposeAsync();

        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(60), $"{stopping.Elapsed}\n{stopped}");
        var job = await cluster.TestJobAsync(ns, "stopped");
        Assert.NotNull(job);
        Assert.Equal("Error", ControllerCluster.Phase(job.Value));
        Assert.StartsWith("the controller stopped during the run", job.Value.GetProperty("status").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(job.Value.GetProperty("metadata").TryGetProperty("finalizers", out var finalizers) && finalizers.GetArrayLength() > 0, job.Value.ToString());
        Assert.Empty(cluster.LeftIn(ns));
        Assert.Equal(2, File.ReadAllLines(started).Length);
    }

    [Fact]
    public async Task A_controller_killed_mid_run_and_started_again_never_runs_a_key_twice_and_marks_the_run_Error()
    {
        const string ns = "ctl-restart";
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        var first = cluster.StartController(cli, ns, "--identity", "first");
        var started = await ApplyHoldingAsync(cli, ns, "orphan", keys: 3, first);

        await first.StopAsync("KILL");
        await first.DisposeAsync();
        await using var second = cluster.StartController(cli, ns, "--identity", "second");
        var job = await cluster.WaitForPhaseAsync(ns, "orphan", second, "Error");

        var message = job.GetProperty("status").GetProperty("message").GetString()!;
        Assert.Contains("the controller running it stopped before the run ended", message, StringComparison.Ordinal);
        Assert.Equal(["k1", "k2", "k3"], File.ReadAllLines(started).Order(StringComparer.Ordinal));
        await WaitUntilAsync(() => cluster.LeftIn(ns).Count == 0, second);
        // Not run again, however long the second controller watches.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(3, File.ReadAllLines(started).Length);
        await cluster.KubectlAsync("delete", "testjob", "orphan", "-n", ns);
        await cluster.WaitForGoneAsync(ns, "orphan", second);
    }

    [Fact]
    public async Task Of_two_replicas_only_the_lease_holder_runs_TestJobs_and_the_other_takes_over_when_it_stops()
    {
        const string ns = "ctl-replicas";
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        await using var one = cluster.StartController(cli, ns, "--identity", "one");
        await one.WaitForLineAsync($"holds lease {ns}/kubetest-controller");
        await using var two = cluster.StartController(cli, ns, "--identity", "two");
        await two.WaitForLineAsync($"lease {ns}/kubetest-controller is held by one");

        await cluster.KubectlAsync("apply", "-f", cli.Write("a.yaml", Named(Manifests.Single("echo first"), "first", ns)));
        await cluster.WaitForPhaseAsync(ns, "first", one, "Succeeded");
        Assert.Contains(one.StderrLines, l => l.StartsWith($"[{ns}/first]", StringComparison.Ordinal));
        Assert.DoesNotContain(two.StderrLines, l => l.Contains("first", StringComparison.Ordinal));

        var stopped = await one.StopAsync();
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        await two.WaitForLineAsync($"holds lease {ns}/kubetest-controller");
        await cluster.KubectlAsync("apply", "-f", cli.Write("b.yaml", Named(Manifests.Single("echo second"), "second", ns)));
        await cluster.WaitForPhaseAsync(ns, "second", two, "Succeeded");
        Assert.Contains(two.StderrLines, l => l.StartsWith($"[{ns}/second]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_TestJob_kubetest_refuses_is_Error_with_the_reason_and_runs_nothing()
    {
        const string ns = "ctl-refused";
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        var templated = Named(Manifests.Single("echo {{ .greeting }}"), "templated", ns);
        var annotated = Named(Manifests.Strategy(["a"], "true"), "annotated", ns)
            .Replace("  namespace: " + ns + "\n", $"  namespace: {ns}\n  annotations:\n    kubetest.io/key-timeout: soon\n", StringComparison.Ordinal);

        // Files on the controller's machine are not a TestJob's: its own service account token, another run's checkout.
        var stolen = Named(
            Manifests.Single(
                "cat /token",
                extraSpec: "tokens:\n  - name: mine\n    value:\n      filePath: /var/run/secrets/kubernetes.io/serviceaccount/token",
                extraPodSpec: "volumes:\n  - name: t\n    token:\n      name: mine",
                extraContainer: "volumeMounts:\n  - name: t\n    mountPath: /token"),
            "stolen",
            ns);
        var local = Named(
            Manifests.Single(
                "true",
                extraSpec: $"repos:\n  - name: code\n    value:\n      url: {Manifests.Quote(RepositoryTests.CreateRepository(cli.Root))}\n      branch: main"),
            "local",
            ns);
        var borrowed = Named(Manifests.Single("true", extraPodSpec: "serviceAccountName: kubetest-controller"), "borrowed", ns);

        // As deploy/ runs it: the controller knows its own service account, and no TestJob beside it may use it.
        cli.Environment["KUBETEST_CONTROLLER_SERVICE_ACCOUNT"] = "kubetest-controller";
        cli.Environment["POD_NAMESPACE"] = ns;
        await using var controller = cluster.StartController(cli, ns);

        await cluster.KubectlAsync("apply", "-f", cli.Write("t.yaml", templated));
        await cluster.KubectlAsync("apply", "-f", cli.Write("a.yaml", annotated));
        await cluster.KubectlAsync("apply", "-f", cli.Write("s.yaml", stolen));
        await cluster.KubectlAsync("apply", "-f", cli.Write("l.yaml", local));
        await cluster.KubectlAsync("apply", "-f", cli.Write("b.yaml", borrowed));
        var first = await cluster.WaitForPhaseAsync(ns, "templated", controller, "Error", "Succeeded", "Failed");
        var second = await cluster.WaitForPhaseAsync(ns, "annotated", controller, "Error", "Succeeded", "Failed");
        var third = await cluster.WaitForPhaseAsync(ns, "stolen", controller, "Error", "Succeeded", "Failed");
        var fourth = await cluster.WaitForPhaseAsync(ns, "local", controller, "Error", "Succeeded", "Failed");
        var fifth = await cluster.WaitForPhaseAsync(ns, "borrowed", controller, "Error", "Succeeded", "Failed");

        Assert.Equal("Error", ControllerCluster.Phase(first));
        Assert.Contains("greeting", first.GetProperty("status").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("Error", ControllerCluster.Phase(second));
        Assert.StartsWith("annotation kubetest.io/key-timeout: expects a duration", second.GetProperty("status").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("Error", ControllerCluster.Phase(third));
        Assert.Equal(
            "spec.tokens[mine].value.filePath: a TestJob the controller runs reads and writes nothing on the controller's filesystem; use githubToken (a Secret in the TestJob's namespace) or githubApp",
            third.GetProperty("status").GetProperty("message").GetString());
        Assert.Equal("Error", ControllerCluster.Phase(fourth));
        Assert.StartsWith("spec.repos[code].value.url: ", fourth.GetProperty("status").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("is on the controller's filesystem", fourth.GetProperty("status").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("Error", ControllerCluster.Phase(fifth));
        Assert.Equal(
            "spec.mainStep.template.spec.serviceAccountName: kubetest-controller is the controller's own service account; a TestJob's pods run as a service account of their own",
            fifth.GetProperty("status").GetProperty("message").GetString());
        Assert.Empty(cluster.LeftIn(ns));
        Assert.DoesNotContain(cluster.Emulator.StoredJobs(), j => j.Metadata.NamespaceProperty == ns);
    }

    [Fact]
    public async Task At_most_max_concurrent_runs_TestJobs_run_at_once_and_the_others_wait_as_Pending()
    {
        const string ns = "ctl-slots";
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        await using var controller = cluster.StartController(cli, ns, "--max-concurrent-runs", "2");
        var names = Enumerable.Range(1, 5).Select(i => $"slot{i}").ToList();
        foreach (var name in names)
        {
            await cluster.KubectlAsync("apply", "-f", cli.Write(name + ".yaml", Named(Manifests.Single("sleep 1"), name, ns)));
        }

        var most = 0;
        var sawPending = false;
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            // One list is one moment of the store: TestJobs read one by one could straddle a run ending and the next starting.
            var phases = await cluster.PhasesAsync(ns, names);

            most = Math.Max(most, phases.Count(p => p == "Running"));
            sawPending |= phases.Contains("Pending");
            if (phases.All(p => p == "Succeeded"))
            {
                break;
            }

            Assert.False(limit.IsCancellationRequested, string.Join(", ", phases) + "\n" + controller.Stderr);
            await Task.Delay(50);
        }

        Assert.InRange(most, 1, 2);
        Assert.True(sawPending, controller.Stderr);
        Assert.Empty(cluster.LeftIn(ns));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, BackgroundCli controller)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!condition())
        {
            Assert.False(limit.IsCancellationRequested, controller.Stderr);
            await Task.Delay(100);
        }
    }
}

namespace Kubetest.Cli.Tests;

/// <summary>Bad input: one clear message, a non-zero exit code, and nothing run.</summary>
public sealed class InputTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public InputTests()
    {
        Marker = Path.Combine(_cli.Root, "ran");
    }

    private string Marker { get; }

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task An_invalid_manifest_exits_3_with_one_line_naming_the_field_and_runs_nothing()
    {
        var manifest = _cli.Write("invalid.yaml", MarkerManifest("maxPodNum: 2\nmaxContainersPerPod: 2"));

        var run = await _cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.Contains("spec.mainStep.strategy.scheduler", error, StringComparison.Ordinal);
        Assert.Contains("invalid.yaml", error, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
        Assert.False(File.Exists(Marker), "nothing may run for an invalid manifest");
    }

    [Fact]
    public async Task A_missing_template_parameter_exits_3_and_names_the_parameter()
    {
        var manifest = _cli.Write("param.yaml", Manifests.Single("echo {{ .missing }}"));

        var run = await _cli.RunAsync(manifest);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("\"missing\"", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--template missing=VALUE", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_exits_2()
    {
        var run = await _cli.RunAsync("--no-such-option", CliRunner.Example("simple.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--no-such-option", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_log_level_exits_2()
    {
        var run = await _cli.RunAsync("--log-level", "loud", CliRunner.Example("simple.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("loud", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_template_option_without_equals_exits_2()
    {
        var run = await _cli.RunAsync("--template", "novalue", CliRunner.Example("simple.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("key=value", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_that_does_not_exist_exits_3_naming_the_file()
    {
        var run = await _cli.RunAsync(Path.Combine(_cli.Root, "nope.yaml"));

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("nope.yaml", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_list_file_exits_3_and_runs_nothing()
    {
        var manifest = _cli.Write("list.yaml", MarkerManifest("maxContainersPerPod: 2"));
        var list = _cli.Write("empty.txt", "\n  \n");

        var run = await _cli.RunAsync("--list", list, manifest);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("--list", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("empty.txt", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task A_list_file_with_a_nul_exits_3_naming_its_line_and_runs_nothing()
    {
        var manifest = _cli.Write("list.yaml", MarkerManifest("maxContainersPerPod: 2"));
        var list = _cli.Write("nul.txt", "one\ntw\0o\nthree\n");

        var run = await _cli.RunAsync("--runtime", "local", "--list", list, manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.Equal($"[ERROR] --list: line 2 of {list} contains a NUL character", error);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task An_endless_manifest_is_refused_after_ten_mebibytes()
    {
        var run = await _cli.RunAsync("--dry-run", "/dev/zero");

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.Equal("[ERROR] the manifest /dev/zero is larger than 10 MiB", error);
    }

    [Fact]
    public async Task A_generate_name_that_is_a_path_is_refused_and_no_directory_is_made_outside_the_workspace()
    {
        var outside = Path.Combine(_cli.Root, "outside");
        var manifest = _cli.Write("path.yaml", MarkerManifest("maxContainersPerPod: 2").Replace("generateName: e2e-", $"generateName: {outside}/pod-", StringComparison.Ordinal));

        var run = await _cli.RunAsync("--runtime", "local", manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.Contains("spec.mainStep.template.metadata.generateName", error, StringComparison.Ordinal);
        Assert.Contains("DNS-1123", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outside), "no directory may be made from a name");
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task An_internal_error_is_one_error_line_and_exit_3_with_the_stack_only_at_debug_level()
    {
        var manifest = _cli.Write("dry.yaml", MarkerManifest("maxContainersPerPod: 2"));
        using var broken = new BrokenWriter();
        using var error = new StringWriter();

        var exit = await Program.RunAsync(["--dry-run", manifest], broken, error, CancellationToken.None);

        Assert.Equal(3, exit);
        var line = Assert.Single(error.ToString().Split('\n'), l => l.Length > 0);
        Assert.StartsWith("[ERROR] unexpected internal error: IOException: stdout is gone", line, StringComparison.Ordinal);

        using var debugError = new StringWriter();
        exit = await Program.RunAsync(["--dry-run", "--log-level", "debug", manifest], broken, debugError, CancellationToken.None);

        Assert.Equal(3, exit);
        Assert.Single(debugError.ToString().Split('\n'), l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.Contains("   at ", debugError.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Standard output whose reader went away: every write fails.</summary>
    private sealed class BrokenWriter : StringWriter
    {
        public override void Write(char value) => throw new IOException("stdout is gone");

        public override void Write(string? value) => throw new IOException("stdout is gone");

        public override Task WriteAsync(string? value) => throw new IOException("stdout is gone");

        public override Task WriteLineAsync(string? value) => throw new IOException("stdout is gone");
    }

    [Fact]
    public async Task Help_lists_every_option_of_the_original()
    {
        var run = await _cli.RunAsync("-h");

        Assert.Equal(0, run.ExitCode);
        foreach (var option in new[] { "-n, --namespace", "--in-cluster", "-c, --config", "--list", "--log-level", "--dry-run", "--template", "-o, --output", "--runtime", "--allow-empty" })
        {
            Assert.Contains(option, run.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Dry_run_prints_one_job_per_pod_with_the_keys_annotation_and_runs_nothing()
    {
        var manifest = _cli.Write("dry.yaml", MarkerManifest("maxContainersPerPod: 2"));

        var run = await _cli.RunAsync("--dry-run", "-n", "ci", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(File.Exists(Marker), "a dry run runs nothing");
        var jobs = run.Stdout.Split("\n---\n").Length;
        Assert.Equal(2, jobs);
        Assert.Contains("kind: Job", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("kubetest.io/testjob: \"true\"", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("kubetest.io/strategyKeys: '[\"a\",\"c\"]'", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("kubetest.io/strategyKeys: '[\"b\"]'", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("name: test0-1", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("name: test1-0", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("namespace: ci", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_cluster_exits_3_naming_the_server_without_printing_the_token()
    {
        var kubeconfig = _cli.Write("kubeconfig", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: closed
              cluster:
                server: https://127.0.0.1:1
                insecure-skip-tls-verify: true
            users:
            - name: ci
              user:
                token: very-secret-token-4711
            contexts:
            - name: ci
              context: {cluster: closed, user: ci}
            current-context: ci
            """);
        var manifest = _cli.Write("job.yaml", MarkerManifest("maxContainersPerPod: 2"));

        var run = await _cli.RunAsync("--runtime", "kubernetes", "-c", kubeconfig, manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("https://127.0.0.1:1", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-token-4711", run.Stderr + run.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task A_missing_kubeconfig_exits_3_naming_it()
    {
        var run = await _cli.RunAsync("--runtime", "kubernetes", "-c", Path.Combine(_cli.Root, "no-kubeconfig"), CliRunner.Example("simple.yaml"));

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("no-kubeconfig", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_sandbox_the_local_runtime_warns_once_and_still_runs_the_example()
    {
        _cli.Environment["KUBETEST_LOCAL_SANDBOX"] = "none";

        var run = await _cli.RunAsync("--runtime", "local", CliRunner.Example("prestep.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Single(run.StderrLines, l => l.StartsWith("[WARN]", StringComparison.Ordinal) && l.Contains("bwrap", StringComparison.Ordinal));
        Assert.Contains("AWESOME!!!", run.StderrLines);
        Assert.Equal("success", run.Report.GetProperty("status").GetString());
    }

    private string MarkerManifest(string scheduler) => Manifests.Strategy(
        ["a", "b", "c"],
        "touch /out/ran",
        scheduler: scheduler,
        extraPodSpec: $"volumes:\n  - name: out\n    hostPath:\n      path: {_cli.Root}",
        extraContainer: "volumeMounts:\n  - name: out\n    mountPath: /out");
}

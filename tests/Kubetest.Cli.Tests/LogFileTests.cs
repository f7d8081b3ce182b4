namespace Kubetest.Cli.Tests;

/// <summary>The lines kubetest prints before a run's first step reach its log file (the <c>log</c> volume) as they reach the console.</summary>
public sealed class LogFileTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    /// <summary>A postStep that prints the run's log so far, each line prefixed, from a <c>log</c> volume in its working directory.</summary>
    private const string ShowLog = """
        postSteps:
          - name: show-log
            template:
              spec:
                containers:
                  - name: show
                    image: alpine
                    workingDir: /work
                    command: ["sh", "-c", "sed 's/^/log: /' log"]
                    volumeMounts:
                      - name: log
                        mountPath: /work/log
                volumes:
                  - name: log
                    log: {}
        """;

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_manifest_warning_reaches_the_log_file_as_printed_on_the_console(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("warned.yaml", Manifests.Single("echo main-ran", extraSpec: ShowLog, extraContainer: "bogusField: 1"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = Assert.Single(run.StderrLines, l => l.StartsWith("[WARN] ", StringComparison.Ordinal) && l.Contains("bogusField", StringComparison.Ordinal));
        Assert.Contains(manifest, warning, StringComparison.Ordinal);
        Assert.Contains("log: " + warning, run.StderrLines);
        // Before the run's own first line, in the log as on the console.
        var log = run.StderrLines.Where(l => l.StartsWith("log: ", StringComparison.Ordinal)).ToList();
        Assert.Equal("log: " + warning, log[0]);
    }

    [Fact]
    public async Task The_warning_that_the_sandbox_is_switched_off_reaches_the_log_file()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        cli.Environment["KUBETEST_LOCAL_SANDBOX"] = "none";
        var manifest = cli.Write("unsandboxed.yaml", Manifests.Single("echo main-ran", extraSpec: ShowLog));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = Assert.Single(run.StderrLines, l => l.StartsWith("[WARN] KUBETEST_LOCAL_SANDBOX=none: ", StringComparison.Ordinal));
        Assert.Contains("log: " + warning, run.StderrLines);
    }

    [Fact]
    public async Task Debug_lines_about_the_command_line_and_the_runtime_reach_the_log_file_at_debug_level()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var agent = "agent:\n  installedPath: " + Runtimes.AgentPath + "\n  allocationStartPort: 8000";
        var manifest = cli.Write("agent.yaml", Manifests.Single("echo main-ran", extraSpec: ShowLog, extraContainer: agent));

        var run = await cli.RunAsync("--log-level", "debug", "--context", "elsewhere", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var said = run.StderrLines.Where(l => l.StartsWith("[DEBUG] " + manifest + ": agent is set on test", StringComparison.Ordinal)
            || l.StartsWith("[WARN] --in-cluster, --config and --context apply to the kubernetes runtime", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, said.Count);
        Assert.All(said, line => Assert.Contains("log: " + line, run.StderrLines));
    }

    [Fact]
    public async Task A_run_that_fails_before_it_starts_prints_its_warnings_before_the_error_and_at_its_log_level()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("warned.yaml", Manifests.Single("echo main-ran", extraContainer: "bogusField: 1"));
        var missing = Path.Combine(cli.Root, "no-such-secrets");

        var run = await cli.RunAsync("--secrets-dir", missing, manifest);
        var quiet = await cli.RunAsync("--log-level", "error", "--secrets-dir", missing, manifest);

        Assert.Equal(3, run.ExitCode);
        var lines = run.StderrLines.ToList();
        var warning = lines.FindIndex(l => l.StartsWith("[WARN] ", StringComparison.Ordinal) && l.Contains("bogusField", StringComparison.Ordinal));
        Assert.InRange(warning, 0, lines.Count - 1);
        Assert.Equal($"[ERROR] --secrets-dir: {missing} is not a directory", lines[warning + 1]);
        Assert.Equal(3, quiet.ExitCode);
        Assert.Contains($"[ERROR] --secrets-dir: {missing} is not a directory", quiet.StderrLines);
        Assert.DoesNotContain(quiet.StderrLines, l => l.StartsWith("[WARN]", StringComparison.Ordinal));
    }
}

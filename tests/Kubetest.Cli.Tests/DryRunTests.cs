using System.Text;
using k8s;
using k8s.Models;
using Kubetest.Emulator;

namespace Kubetest.Cli.Tests;

/// <summary>
/// <c>--dry-run</c>: the plan on stderr (steps in order, each key's real command and its pod, and
/// with <c>--timings</c> the expected makespan), the Jobs on stdout as YAML that the real kubectl
/// accepts. Nothing runs.
/// </summary>
public sealed class DryRunTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    /// <summary>The repository examples take their URL as a parameter; the others ignore it. A dry run clones nothing.</summary>
    private const string RepoParameter = "repo=file:///nowhere/kubetest-example.git";

    /// <summary>The pytest example takes its project's directory as a parameter; a dry run reads no file of it.</summary>
    private const string ProjectParameter = "project=/nowhere/project";

    public static TheoryData<string> Examples => new(Directory.GetFiles(Path.GetDirectoryName(CliRunner.Example("simple.yaml"))!, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task The_dry_run_of_every_example_shows_each_keys_real_command_and_the_job_it_goes_to(string example)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);

        var run = await cli.RunAsync("--dry-run", "--template", RepoParameter, "--template", ProjectParameter, CliRunner.Example(example));

        Assert.True(run.ExitCode == 0, run.ToString());
        var jobs = KubernetesYaml.LoadAllFromString(run.Stdout).Cast<V1Job>().ToList();
        Assert.NotEmpty(jobs);
        foreach (var job in jobs)
        {
            Assert.Contains($"Job {job.Metadata.Name} in namespace default", run.Stderr, StringComparison.Ordinal);
            foreach (var container in job.Spec.Template.Spec.Containers.Where(c => c.Env?.Any(e => e.Name == "TASK_KEY") == true))
            {
                var key = container.Env.Single(e => e.Name == "TASK_KEY").Value;
                var line = Assert.Single(run.StderrLines, l => l.TrimStart().StartsWith($"{container.Name}: [TASK_KEY:{key}] ", StringComparison.Ordinal));
                Assert.DoesNotContain("trap", line, StringComparison.Ordinal);
            }
        }

        Assert.StartsWith("1. ", run.StderrLines.First(l => char.IsDigit(l[0])), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_static_keys_example_shows_each_key_with_its_container_and_echo_command()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);

        var run = await cli.RunAsync("--dry-run", CliRunner.Example("strategy-static.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.Select(l => l.Trim()).ToList();
        Assert.Contains("1. mainStep: 3 keys over 1 pod, 3 at once in all; each key runs in a container of its own, $TASK_KEY set to the key", lines);
        Assert.Contains("pod 0: 3 keys, at most 3 at once, Job strategy-static-testjob-00000 in namespace default, image alpine", lines);
        Assert.Equal(
            ["test0-0: [TASK_KEY:TASK_KEY_1] echo $TASK_KEY", "test0-1: [TASK_KEY:TASK_KEY_2] echo $TASK_KEY", "test0-2: [TASK_KEY:TASK_KEY_3] echo $TASK_KEY"],
            lines.Where(l => l.StartsWith("test0-", StringComparison.Ordinal)));
        Assert.Contains("# test0-1: [TASK_KEY:TASK_KEY_2] echo $TASK_KEY", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("runtime local: the Jobs on stdout are what a cluster run (--runtime kubernetes) would create", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_private_repository_example_shows_the_checkout_first_with_its_token_source_and_resolves_nothing()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);

        var run = await cli.RunAsync("--dry-run", "--template", RepoParameter, CliRunner.Example("private-repo.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.Select(l => l.Trim()).ToList();
        Assert.StartsWith("1. checkout: once, on this machine, before any pod", lines.First(l => l.StartsWith("1. ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("token github-token: secret github-token, key token", lines);
        Assert.Contains("repository kubetest-repo: file:///nowhere/kubetest-example.git, branch main, with token github-token", lines);
        Assert.Contains(lines, l => l.StartsWith("2. prestep check-token", StringComparison.Ordinal));
        Assert.Contains("volumes: /secrets/token (token github-token)", lines);
        Assert.Contains("volumes: /work (repository kubetest-repo)", lines);
    }

    [Fact]
    public async Task With_timings_the_dry_run_gives_each_pods_busy_time_and_the_expected_makespan_against_the_lower_bound()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("timed.yaml", Manifests.Strategy(["long", "a", "b", "c"], "true", scheduler: "maxPodNum: 2\nmaxConcurrentNumPerPod: 1"));
        var timings = cli.Write("timings.json", """
            {"details": [{"elapsedTimeSec": 30, "name": "long", "status": "success"},
                         {"elapsedTimeSec": 10, "name": "a", "status": "success"},
                         {"elapsedTimeSec": 10, "name": "b", "status": "success"},
                         {"elapsedTimeSec": 10, "name": "c", "status": "success"}],
             "elapsedTimeSec": 30, "failureNum": 0, "startedAt": "2026-01-01T00:00:00Z", "status": "success", "successNum": 4, "totalNum": 4}
            """);

        var run = await cli.RunAsync("--dry-run", "--timings", timings, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.Select(l => l.Trim()).ToList();
        Assert.Contains(lines, l => l.StartsWith("pod 0: 2 keys, at most 1 at once, expected busy time 40.0 s", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("pod 1: 2 keys, at most 1 at once, expected busy time 20.0 s", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("expected makespan 40.0 s (1.33 x), lower bound 30.0 s = max(total 60.0 s / 2 slots, longest key 30.0 s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dynamic_keys_are_shown_as_known_at_run_time_and_with_list_each_listed_key_gets_its_pod()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var list = cli.Write("keys.txt", "one\ntwo\n");

        var dynamic = await cli.RunAsync("--dry-run", CliRunner.Example("strategy-dynamic.yaml"));
        var listed = await cli.RunAsync("--dry-run", "--list", list, CliRunner.Example("strategy-dynamic.yaml"));

        Assert.True(dynamic.ExitCode == 0, dynamic.ToString());
        Assert.Contains("they are known only at run time", dynamic.Stderr, StringComparison.Ordinal);
        Assert.Contains(dynamic.StderrLines, l => l.Trim() == "[TASK_KEY:<key>] echo $TASK_KEY");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.DoesNotContain("dynamic keys", listed.Stderr, StringComparison.Ordinal);
        Assert.Contains(listed.StderrLines, l => l.Trim().EndsWith(": [TASK_KEY:one] echo $TASK_KEY", StringComparison.Ordinal));
        Assert.Contains(listed.StderrLines, l => l.Trim().EndsWith(": [TASK_KEY:two] echo $TASK_KEY", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Kubectl_apply_dry_run_client_accepts_the_jobs_of_every_example(string example)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var run = await cli.RunAsync("--dry-run", "--template", RepoParameter, "--template", ProjectParameter, CliRunner.Example(example));
        Assert.True(run.ExitCode == 0, run.ToString());

        // As a person would, with their own rights (apply reads the Job first; the kubetest Role may not).
        // The emulator serves no OpenAPI document, which kubectl's schema validation downloads.
        var kubeconfig = Path.Combine(cli.Root, "admin-kubeconfig");
        runtimes.Emulator.WriteKubeconfig(kubeconfig, "admin");
        var (exitCode, stdout, stderr) = await Kubectl.RunAsync(
            kubeconfig,
            Path.Combine(cli.Root, "kubectl-cache"),
            Encoding.UTF8.GetBytes(run.Stdout),
            "apply",
            "--dry-run=client",
            "--validate=false",
            "-f",
            "-");

        Assert.True(exitCode == 0, $"kubectl exit {exitCode}\n{stdout}\n{stderr}");
        var jobs = KubernetesYaml.LoadAllFromString(run.Stdout).Cast<V1Job>().ToList();
        Assert.Equal(
            jobs.Select(j => $"job.batch/{j.Metadata.Name} created (dry run)"),
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(runtimes.Emulator.StoredJobs());
    }
}

using Kubetest.Emulator.Git;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Repositories and tokens through the real CLI: the original's examples 2 and 3, a checkout shipped
/// to every key's container with its <c>.git</c>, and bad repository or secret input (exit 3, no pod).
/// </summary>
public sealed class RepositoryTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private static readonly string[] Keys = ["k1", "k2", "k3"];

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task The_public_repository_example_clones_once_and_the_main_container_sees_the_checkout(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var url = CreateRepository(cli.Root);

        var run = await cli.RunAsync("--log-level=info", "--template", $"repo={url}", CliRunner.Example("public-repo.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, run.StderrLines.Count(l => l == $"[INFO] clone repository: {url}"));
        Assert.Contains("ls README.md", run.StderrLines);
        Assert.Contains("README.md", run.StderrLines);
        Assert.Equal("success", run.Report.GetProperty("status").GetString());
        Assert.Empty(cli.Leftovers());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task The_private_repository_example_reads_its_token_from_a_secret_and_prints_it_nowhere(RuntimeKind runtime)
    {
        // A real cluster would need the Secret created by hand.
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var url = CreateRepository(cli.Root);
        var token = "ghs_" + Guid.NewGuid().ToString("N");
        var args = new List<string> { "--log-level=debug", "--template", $"repo={url}" };
        args.AddRange(GitHubTokenSecret(cli, runtimes, runtime, token));

        var run = await cli.RunAsync([.. args, CliRunner.Example("private-repo.yaml")]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("the token is there", run.StderrLines);
        Assert.Contains("README.md", run.StderrLines);
        Assert.DoesNotContain(token, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.Leftovers());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    /// <summary>
    /// The private-repo example's Secret <c>github-token</c> holding <paramref name="token"/>: locally a file under a
    /// secrets directory (the options that name it are returned), on the emulator a Secret (no option needed).
    /// </summary>
    internal static IReadOnlyList<string> GitHubTokenSecret(CliRunner cli, Runtimes runtimes, RuntimeKind runtime, string token)
    {
        if (runtime == RuntimeKind.Local)
        {
            var secrets = Directory.CreateDirectory(Path.Combine(cli.Root, "secrets", "github-token")).FullName;
            File.WriteAllText(Path.Combine(secrets, "token"), token);
            return ["--secrets-dir", Path.GetDirectoryName(secrets)!];
        }

        runtimes.Emulator.CreateSecret("default", "github-token", new Dictionary<string, string> { ["token"] = token });
        return [];
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Every_keys_container_gets_the_checkout_with_its_git_history_and_modes(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var url = CreateRepository(cli.Root);
        var manifest = cli.Write("keys.yaml", Manifests.Strategy(
            Keys,
            $"cd /src && git log --format=%s -1 && test -x {GitFixtures.Script} && readlink {GitFixtures.Symlink} && echo $TASK_KEY ok",
            scheduler: "maxContainersPerPod: 2",
            extraPodSpec: "volumes:\n  - name: src\n    repo:\n      name: code",
            extraContainer: "volumeMounts:\n  - name: src\n    mountPath: /src",
            extraSpec: $"repos:\n  - name: code\n    value:\n      url: {url}\n      branch: main"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, run.StderrLines.Count(l => l.StartsWith("[INFO] clone repository:", StringComparison.Ordinal)));
        Assert.Equal(3, run.StderrLines.Count(l => l == "main moves on"));
        Assert.Equal(3, run.StderrLines.Count(l => l == "README.md"));
        Assert.All(Keys, k => Assert.Contains($"{k} ok", run.StderrLines));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Init_containers_and_sidecars_that_mount_the_checkout_see_it_before_their_command_starts(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var url = CreateRepository(cli.Root);
        var manifest = cli.Write("init-sidecar.yaml", $$"""
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata:
              name: e2e
            spec:
              repos:
                - name: code
                  value:
                    url: {{url}}
                    branch: main
              mainStep:
                strategy:
                  key:
                    env: TASK_KEY
                    source:
                      static: [k1, k2]
                  scheduler:
                    maxContainersPerPod: 2
                template:
                  metadata:
                    generateName: e2e-
                  main: test
                  spec:
                    volumes:
                      - name: src
                        repo:
                          name: code
                      - name: shared
                        emptyDir: {}
                    initContainers:
                      - name: setup
                        image: alpine
                        command: ["sh", "-c", "cd /src && git log --format='init saw %s' -1 > /shared/init-saw"]
                        volumeMounts:
                          - {name: src, mountPath: /src, readOnly: true}
                          - {name: shared, mountPath: /shared}
                    containers:
                      - name: watcher
                        image: alpine
                        command: ["sh", "-c", "readlink /src/{{GitFixtures.Symlink}} | sed 's/^/sidecar saw /' > /shared/sidecar-saw.tmp && mv /shared/sidecar-saw.tmp /shared/sidecar-saw; exec sleep 600"]
                        volumeMounts:
                          - {name: src, mountPath: /src}
                          - {name: shared, mountPath: /shared}
                      - name: test
                        image: alpine
                        command: ["sh", "-c"]
                        args:
                          - "until [ -e /shared/sidecar-saw ]; do sleep 0.1; done; cat /shared/init-saw /shared/sidecar-saw; test -x /src/{{GitFixtures.Script}} && echo $TASK_KEY ok"
                        volumeMounts:
                          - {name: src, mountPath: /src}
                          - {name: shared, mountPath: /shared}
            """);

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(2, run.StderrLines.Count(l => l == "init saw main moves on"));
        Assert.Equal(2, run.StderrLines.Count(l => l == $"sidecar saw {GitFixtures.Readme}"));
        Assert.Contains("k1 ok", run.StderrLines);
        Assert.Contains("k2 ok", run.StderrLines);
        Assert.Empty(cli.Leftovers());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    private const string MissingSecretToken = "tokens:\n  - name: tok\n    value:\n      githubToken:\n        name: missing-secret\n        key: token\n";

    public static TheoryData<string, string, string> BadInputs => new()
    {
        { "missing branch", "branch: no-such-branch", "no-such-branch" },
        { "missing revision", "rev: 0123456789abcdef0123456789abcdef01234567", "0123456789abcdef0123456789abcdef01234567" },
        { "unknown secret", "branch: main\n      token: tok", "secret missing-secret" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_repository_or_secret_input_is_one_error_exit_3_and_no_pod(string what, string field, string named)
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var url = CreateRepository(cli.Root);
        var jobsBefore = runtimes.Emulator.StoredJobs().Count;
        var manifest = cli.Write("bad.yaml", Manifests.Single(
            "ls /src",
            extraPodSpec: "volumes:\n  - name: src\n    repo:\n      name: code",
            extraContainer: "volumeMounts:\n  - name: src\n    mountPath: /src",
            extraSpec: $"{(field.Contains("token: tok", StringComparison.Ordinal) ? MissingSecretToken : "")}repos:\n  - name: code\n    value:\n      url: {url}\n      {field}"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 3, $"{what}: {run}");
        var error = Assert.Single(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Equal(jobsBefore, runtimes.Emulator.StoredJobs().Count);
        Assert.Empty(cli.Leftovers());
    }

    /// <summary>The fixture repository (branch main: README.md, an executable run.sh, a symlink, a nested file) as a file:// URL.</summary>
    internal static string CreateRepository(string root) =>
        "file://" + GitFixtures.CreateBareRepository(Path.Combine(root, "repo.git")).Directory;
}

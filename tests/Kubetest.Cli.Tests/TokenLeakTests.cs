using System.Collections.Concurrent;
using System.Security.Cryptography;
using Kubetest.Emulator;
using Kubetest.Emulator.Git;
using Kubetest.Emulator.GitHub;

namespace Kubetest.Cli.Tests;

/// <summary>
/// A private repository over smart HTTP with a GitHub App installation token (the app's key in a
/// Secret, the token from a loopback stand-in for GitHub), and every place a token could leak:
/// stdout, stderr, the report, the log file a postStep reads, the dry run, the <c>.git/config</c>
/// shipped into pods, and the command line of every process while the run goes on.
/// </summary>
public sealed class TokenLeakTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [SkippableTheory]
    [InlineData(RuntimeKind.Local)]
    [InlineData(RuntimeKind.Kubernetes)]
    public async Task A_github_app_token_clones_over_http_and_no_output_file_or_command_line_holds_it(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var served = Directory.CreateDirectory(Path.Combine(cli.Root, "served")).FullName;
        GitFixtures.CreateBareRepository(Path.Combine(served, "private.git"));
        await using var git = await GitHttpServer.StartAsync(served);
        using var key = RSA.Create(2048);
        await using var github = await GitHubAppStandIn.StartAsync(4242, key.ExportSubjectPublicKeyInfoPem(), new Dictionary<string, long> { ["acme"] = 77 }, TimeProvider.System);
        var token = "ghs_" + Guid.NewGuid().ToString("N");
        github.InstallationToken = token;
        git.AcceptedTokens.Add(token);
        git.RequestDelay = TimeSpan.FromMilliseconds(200);
        var privateKey = key.ExportPkcs8PrivateKeyPem();
        var keyLine = privateKey.Split('\n')[1];
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var args = new List<string> { "--log-level=debug", "--github-api-url", github.EnterpriseApiUrl.ToString() };
        var secretName = "github-app-" + Guid.NewGuid().ToString("N")[..8];
        if (runtime == RuntimeKind.Local)
        {
            var secrets = Directory.CreateDirectory(Path.Combine(cli.Root, "secrets", secretName)).FullName;
            File.WriteAllText(Path.Combine(secrets, "private-key"), privateKey);
            args.AddRange(["--secrets-dir", Path.GetDirectoryName(secrets)!]);
        }
        else
        {
            runtimes.Emulator.CreateSecret("default", secretName, new Dictionary<string, string> { ["private-key"] = privateKey });
        }

        var manifest = cli.Write("private.yaml", Manifests.Strategy(
            ["k1", "k2"],
            "cp /src/.git/config /state/config-$TASK_KEY; git -C /src log --format=%s -1; cat /secrets/token; echo",
            scheduler: "maxContainersPerPod: 1",
            extraPodSpec: $"volumes:\n  - name: src\n    repo:\n      name: code\n  - name: token\n    token:\n      name: app\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: src\n    mountPath: /src\n  - name: token\n    mountPath: /secrets/token\n  - name: state\n    mountPath: /state",
            extraSpec: $$"""
                tokens:
                  - name: app
                    value:
                      githubApp:
                        organization: acme
                        appId: 4242
                        keyFile:
                          name: {{secretName}}
                          key: private-key
                repos:
                  - name: code
                    value:
                      url: {{git.RepositoryUrl("private.git")}}
                      branch: main
                      token: app
                postSteps:
                  - name: keep-log
                    template:
                      spec:
                        containers:
                          - name: keep-log
                            image: alpine
                            command: ["sh", "-c", "cp /log/kubetest.log /state/kubetest.log"]
                            volumeMounts:
                              - name: log
                                mountPath: /log/kubetest.log
                              - name: state
                                mountPath: /state
                        volumes:
                          - name: log
                            log: {}
                          - name: state
                            hostPath:
                              path: {{state}}
                """));

        var commandLines = new ConcurrentDictionary<string, byte>();
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(() => WatchCommandLines(commandLines, stop.Token));
        var run = await cli.RunAsync([.. args, manifest]);
        var dryRun = await cli.RunAsync([.. args, "--dry-run", manifest]);
        await stop.CancelAsync();
        await watcher;

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, github.TokensIssued);
        Assert.True(git.RequestCount > 0, "the repository was fetched over HTTP");
        Assert.Equal(2, run.StderrLines.Count(l => l == "***"));
        Assert.Contains(commandLines.Keys, l => l.Contains("git", StringComparison.Ordinal) && l.Contains("private.git", StringComparison.Ordinal));
        var places = new Dictionary<string, string>
        {
            ["stdout"] = run.Stdout,
            ["stderr"] = run.Stderr,
            ["dry run"] = dryRun.Stdout + dryRun.Stderr,
            ["log file"] = File.ReadAllText(Path.Combine(state, "kubetest.log")),
            ["shipped .git/config"] = File.ReadAllText(Path.Combine(state, "config-k1")) + File.ReadAllText(Path.Combine(state, "config-k2")),
            ["command lines"] = string.Join('\n', commandLines.Keys),
        };
        Assert.Contains("[INFO] clone repository:", places["log file"], StringComparison.Ordinal);
        foreach (var (place, text) in places)
        {
            Assert.False(text.Contains(token, StringComparison.Ordinal), $"the token is in the {place}");
            Assert.False(text.Contains(keyLine, StringComparison.Ordinal), $"the private key is in the {place}");
        }
    }

    /// <summary>Every distinct command line of every process on the machine until cancelled.</summary>
    private static async Task WatchCommandLines(ConcurrentDictionary<string, byte> seen, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var line in ProcessTable.CommandLines())
            {
                seen.TryAdd(line, 0);
            }

            try
            {
                await Task.Delay(10, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}

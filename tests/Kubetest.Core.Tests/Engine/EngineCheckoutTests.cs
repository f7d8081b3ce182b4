using Kubetest.Emulator.Git;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;
using Kubetest.Runtime;
using Kubetest.Tokens;

namespace Kubetest.Core.Tests.Engine;

/// <summary>
/// The checkout step on the fake runtime: it runs before any pod, its failures start none, a token
/// reaches a token volume as a 0400 file and is masked in every event, and a repo volume is the checkout.
/// </summary>
public sealed class EngineCheckoutTests : IDisposable
{
    private const string Token = "ghp_engineCheckoutTestToken0123456789";

    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-engine-checkout-").FullName;
    private readonly FakePodRuntime _runtime = new();
    private readonly RecordingObserver _observer = new();
    private readonly RunWorkspace _workspace;

    public EngineCheckoutTests()
    {
        _workspace = RunWorkspace.Create(_root, RunOwner.Current());
    }

    public void Dispose()
    {
        _workspace.Dispose();
        FileTree.Delete(_root);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Tokens_and_repositories_are_ready_before_the_first_pod_and_the_token_is_masked_in_every_event()
    {
        var url = CreateRepository();
        string? tokenFile = null;
        _runtime.OnExec = e =>
        {
            tokenFile ??= _runtime.Pods[^1].Request.Files.Single(f => f.ContainerPath == "/secrets/token").LocalPath;
            return ExecOutcome.Exit(0, $"the token is {Token}", "done");
        };

        var result = await RunAsync(Manifest(url, "branch: main"));

        Assert.True(result.Report.Succeeded);
        var pod = Assert.Single(_runtime.Pods);
        var repo = pod.Request.Files.Single(f => f.ContainerPath == "/src");
        Assert.True(File.Exists(Path.Combine(repo.LocalPath, "README.md")));
        Assert.True(Directory.Exists(Path.Combine(repo.LocalPath, ".git")), "the checkout keeps its .git");
        Assert.Equal(Token, pod.FileIn("test", "/secrets/token"));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(tokenFile!));
        var clone = _observer.Events.ToList().FindIndex(e => e is LogEvent { Message: var m } && m == $"clone repository: {url}");
        var firstTask = _observer.Events.ToList().FindIndex(e => e is TaskStarted);
        Assert.True(clone >= 0 && clone < firstTask, "the clone comes before the first command");
        Assert.Contains(_observer.Events, e => e is TaskOutput { Line: "the token is ***" });
        Assert.DoesNotContain(_observer.Events, e => e.ToString()!.Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_branch_is_bad_input_and_no_pod_starts()
    {
        var url = CreateRepository();

        var error = await Assert.ThrowsAsync<UserInputException>(() => RunAsync(Manifest(url, "branch: no-such-branch")));

        Assert.Contains("no-such-branch", error.Message, StringComparison.Ordinal);
        Assert.Empty(_runtime.Pods);
    }

    [Fact]
    public async Task A_missing_secret_is_bad_input_naming_it_and_no_pod_starts()
    {
        var url = CreateRepository();

        var error = await Assert.ThrowsAsync<UserInputException>(() => RunAsync(Manifest(url, "branch: main", secret: "absent")));

        Assert.Contains("absent", error.Message, StringComparison.Ordinal);
        Assert.Empty(_runtime.Pods);
    }

    private async Task<RunResult> RunAsync(string manifest)
    {
        var job = ManifestLoader.Load(manifest, "test.yaml", new Dictionary<string, string>()).Job;
        var secrets = new DictionarySecrets(new Dictionary<(string, string), string> { [("github", "token")] = Token });
        var engine = new TestJobEngine(_runtime, _observer, TimeProvider.System, secrets);
        return await engine.RunAsync(job, _workspace, new RunOptions(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
    }

    private static string Manifest(string url, string repoField, string secret = "github") => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: checkout-test
        spec:
          tokens:
            - name: gh
              value:
                githubToken:
                  name: {{secret}}
                  key: token
          repos:
            - name: code
              value:
                url: {{url}}
                {{repoField}}
                token: gh
          mainStep:
            template:
              metadata:
                generateName: checkout-
              spec:
                containers:
                  - name: test
                    image: alpine
                    command: [sh, -c, "cat /secrets/token"]
                    volumeMounts:
                      - name: src
                        mountPath: /src
                      - name: token
                        mountPath: /secrets/token
                volumes:
                  - name: src
                    repo:
                      name: code
                  - name: token
                    token:
                      name: gh
        """;

    /// <summary>The fixture repository (branch main) as a file:// URL.</summary>
    private string CreateRepository() =>
        "file://" + GitFixtures.CreateBareRepository(Path.Combine(_root, "repo.git")).Directory;

    private sealed class DictionarySecrets(IReadOnlyDictionary<(string Name, string Key), string> values) : ISecretSource
    {
        public Task<string> GetAsync(string name, string key, CancellationToken cancellationToken) =>
            values.TryGetValue((name, key), out var value)
                ? Task.FromResult(value)
                : throw new UserInputException($"secret {name} has no key {key}");
    }
}

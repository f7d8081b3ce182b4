using System.Text.Json;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Test-level keys through the real CLI: a generated pytest project listed by <c>pytest --collect-only -q</c> as dynamic
/// keys, run in batches with <c>--junitxml=$KUBETEST_JUNIT</c>; each node id gets its own result from its testcase.
/// </summary>
public sealed class TestIdKeyTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private const string Failing = "tests/test_m3.py::TestC::test_p[v7.x/y::z]";

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Each_pytest_node_id_of_a_batch_has_its_own_status_and_time_and_only_the_failing_one_fails(RuntimeKind runtime)
    {
        Skip.IfNot(PytestInstalled(), "python3-pytest is not installed");
        using var cli = runtimes.Cli(runtime);
        var project = Directory.CreateDirectory(Path.Combine(cli.Root, "project", "tests")).Parent!.FullName;
        for (var m = 0; m < 10; m++)
        {
            File.WriteAllText(Path.Combine(project, "tests", $"test_m{m}.py"), $$"""
                import time, pytest
                class TestC:
                    @pytest.mark.parametrize("j", range(20), ids=[f"v{j}.x/y::z" for j in range(20)])
                    def test_p(self, j):
                        time.sleep({{(m == 0 ? "0.05 * (j % 3)" : "0")}})
                        assert not ({{(m == 3 ? "True" : "False")}} and j == 7), "seven is out"
                def test_plain():
                    pass
                """);
        }

        var manifest = cli.Write("pytest-ids.yaml", Manifest(project));
        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var details = run.Report.GetProperty("details").EnumerateArray().ToList();
        Assert.Equal(210, details.Count);
        var failed = Assert.Single(details, d => d.GetProperty("status").GetString() != "success");
        Assert.Equal((Failing, "failure"), (failed.GetProperty("name").GetString(), failed.GetProperty("status").GetString()));
        Assert.Contains($"[WARN] {Failing}: failed: its JUnit testcase \"test_p[v7.x/y::z]\" has a failure", run.StderrLines);
        Assert.All(details, d => Assert.Equal(1, d.GetProperty("attempts").GetInt32()));
        Assert.True(details.Select(d => d.GetProperty("elapsedSeconds").GetDouble()).Distinct().Count() > 1, run.ToString());
        Assert.DoesNotContain(run.StderrLines, l => l.Contains("run again", StringComparison.Ordinal));
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    private static bool PytestInstalled() => File.Exists("/usr/bin/python3")
        && Directory.EnumerateDirectories("/usr/lib/python3/dist-packages", "_pytest").Any();

    private static string Manifest(string project) => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: pytest-ids
        spec:
          mainStep:
            strategy:
              key:
                env: TESTS
                source:
                  dynamic:
                    template:
                      metadata:
                        generateName: pytest-ids-list-
                      spec:
                        volumes: [{name: project, hostPath: {path: {{JsonSerializer.Serialize(project)}}}}]
                        containers:
                          - name: list
                            image: python
                            workingDir: /project
                            env: [{name: PYTHONDONTWRITEBYTECODE, value: "1"}]
                            volumeMounts: [{name: project, mountPath: /project, readOnly: true}]
                            command: ["sh", "-c", "python3 -m pytest -p no:cacheprovider --collect-only -q | grep '::'"]
              scheduler:
                mode: queue
                maxPodNum: 1
                maxConcurrentNumPerPod: 2
              batch:
                maxKeys: 50
            template:
              metadata:
                generateName: pytest-ids-
              spec:
                volumes: [{name: project, hostPath: {path: {{JsonSerializer.Serialize(project)}}}}]
                containers:
                  - name: test
                    image: python
                    workingDir: /project
                    env: [{name: PYTHONDONTWRITEBYTECODE, value: "1"}]
                    volumeMounts: [{name: project, mountPath: /project, readOnly: true}]
                    command: ["sh", "-c", "set -f; python3 -m pytest -p no:cacheprovider -q --junitxml=\"$KUBETEST_JUNIT\" $TESTS"]
        """;
}

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
        Skip.IfNot(PytestInstalled(), "pytest is not on PATH (Debian: python3-pytest)");
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

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task The_pytest_ids_example_reports_each_node_id_as_a_key_of_its_own(RuntimeKind runtime)
    {
        Skip.IfNot(PytestInstalled(), "pytest is not on PATH (Debian: python3-pytest)");
        using var cli = runtimes.Cli(runtime);

        var run = await cli.RunAsync("--template", $"project={CliRunner.Example("pytest-ids")}", CliRunner.Example("pytest-ids.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            [
                "tests/test_calc.py::TestAdd::test_sum[1.5/2::floats]:success:1", "tests/test_calc.py::TestAdd::test_sum[ints]:success:1",
                "tests/test_calc.py::test_divide:success:1", "tests/test_text.py::test_upper[key]:success:1",
                "tests/test_text.py::test_upper[kube]:success:1", "tests/test_text.py::test_upper[test]:success:1",
            ],
            run.Report.GetProperty("details").EnumerateArray()
                .Select(d => $"{d.GetProperty("name").GetString()}:{d.GetProperty("status").GetString()}:{d.GetProperty("attempts").GetInt32()}")
                .Order(StringComparer.Ordinal));
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Each_go_test_of_a_batch_keyed_by_package_has_its_own_status_and_only_the_failing_one_fails(RuntimeKind runtime)
    {
        Skip.IfNot(OnPath("go") && OnPath("gotestsum"), "go and gotestsum are not on PATH (Debian: golang-go, gotestsum)");
        using var cli = runtimes.Cli(runtime);
        var project = Path.Combine(cli.Root, "gomod");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "go.mod"), "module example.com/gen\n\ngo 1.19\n");
        foreach (var (package, title) in new[] { ("alpha", "Alpha"), ("beta", "Beta") })
        {
            Directory.CreateDirectory(Path.Combine(project, package));
            var tests = Enumerable.Range(0, 100).Select(i => $$$"""
                func Test{{{title}}}{{{i}}}(t *testing.T) {
                	for _, name := range []string{"one", "two"} {
                		t.Run(name, func(t *testing.T) {
                			if {{{(package == "beta" && i == 42 ? "name == \"two\"" : "false")}}} {
                				t.Fatal("two is out")
                			}
                		})
                	}
                }
                """);
            File.WriteAllText(Path.Combine(project, package, "gen_test.go"), $"package {package}\n\nimport \"testing\"\n\n{string.Join("\n", tests)}\n");
        }

        var run = await cli.RunAsync("--template", $"project={project}", CliRunner.Example("go-tests.yaml"));

        Assert.True(run.ExitCode == 1, run.ToString());
        var details = run.Report.GetProperty("details").EnumerateArray().ToList();
        Assert.Equal(200, details.Count);
        var failed = Assert.Single(details, d => d.GetProperty("status").GetString() != "success");
        Assert.Equal(("./beta:TestBeta42", "failure"), (failed.GetProperty("name").GetString(), failed.GetProperty("status").GetString()));
        Assert.Contains("[WARN] ./beta:TestBeta42: failed: its JUnit testcase \"TestBeta42\" has a failure", run.StderrLines);
        Assert.All(details, d => Assert.Equal(1, d.GetProperty("attempts").GetInt32()));
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    private static bool OnPath(string command) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, command)));

    internal static bool PytestInstalled() => OnPath("pytest");

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
                        volumes:
                          - name: project
                            hostPath:
                              path: {{JsonSerializer.Serialize(project)}}
                        containers:
                          - name: list
                            image: python
                            workingDir: /project
                            env: [{name: PYTHONDONTWRITEBYTECODE, value: "1"}]
                            volumeMounts: [{name: project, mountPath: /project, readOnly: true}]
                            command: ["sh", "-c", "pytest -p no:cacheprovider --collect-only -q | grep '::'"]
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
                volumes:
                  - name: project
                    hostPath:
                      path: {{JsonSerializer.Serialize(project)}}
                containers:
                  - name: test
                    image: python
                    workingDir: /project
                    env: [{name: PYTHONDONTWRITEBYTECODE, value: "1"}]
                    volumeMounts: [{name: project, mountPath: /project, readOnly: true}]
                    command: ["sh", "-c", "set -f; pytest -p no:cacheprovider -q --junitxml=\"$KUBETEST_JUNIT\" $TESTS"]
        """;
}

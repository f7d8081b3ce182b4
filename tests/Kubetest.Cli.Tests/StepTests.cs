namespace Kubetest.Cli.Tests;

/// <summary>Pre- and postSteps, init containers, sidecars and the finalizer container, through the real CLI.</summary>
public sealed class StepTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_failing_prestep_stops_the_run_before_the_main_step_with_a_clear_error(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("prestep-fails.yaml", Manifests.Strategy(
            ["a", "b"],
            "echo main-ran",
            extraSpec: """
                preSteps:
                  - name: broken
                    template:
                      spec:
                        containers:
                          - name: broken
                            image: alpine
                            command: ["sh", "-c", "echo preparing; exit 7"]
                """));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("[ERROR] prestep broken failed: exit code 7", run.StderrLines);
        Assert.DoesNotContain("main-ran", run.StderrLines);
        var report = run.Report;
        Assert.Equal("failure", report.GetProperty("status").GetString());
        Assert.Equal(2, report.GetProperty("unknownNum").GetInt32());
        Assert.All(report.GetProperty("details").EnumerateArray(), d => Assert.Equal("unknown", d.GetProperty("status").GetString()));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task PostSteps_see_the_main_steps_report_and_the_runs_log_through_their_volumes(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("poststep.yaml", Manifests.Strategy(
            ["k1", "k2"],
            "echo key-output-$TASK_KEY",
            extraSpec: """
                postSteps:
                  - name: summarize
                    template:
                      spec:
                        containers:
                          - name: summarize
                            image: alpine
                            command: ["sh", "-c", "grep -c ^key-output /tmp/kubetest/log; grep -o '\"totalNum\": 2' /tmp/kubetest/report.json"]
                            volumeMounts:
                              - name: log
                                mountPath: /tmp/kubetest/log
                              - name: report
                                mountPath: /tmp/kubetest/report.json
                        volumes:
                          - name: log
                            log: {}
                          - name: report
                            report:
                              format: json
                """));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.ToList();
        Assert.Contains("[INFO] run poststep: summarize", lines);
        Assert.Contains("\"totalNum\": 2", lines);
        Assert.Contains("2", lines);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Init_containers_run_in_order_before_the_main_container(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("init.yaml", Manifests.Single(
            "cat /shared/order",
            extraPodSpec: """
                initContainers:
                  - name: first
                    image: alpine
                    command: ["sh", "-c", "echo first >> /shared/order"]
                    volumeMounts: [{name: shared, mountPath: /shared}]
                  - name: second
                    image: alpine
                    command: ["sh", "-c", "echo second >> /shared/order"]
                    volumeMounts: [{name: shared, mountPath: /shared}]
                volumes:
                  - name: shared
                    emptyDir: {}
                """,
            extraContainer: "volumeMounts: [{name: shared, mountPath: /shared}]"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.ToList();
        var header = lines.IndexOf("sh -c cat /shared/order");
        Assert.Equal(["first", "second"], lines.Skip(header + 1).Take(2));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_sidecar_runs_beside_the_main_container_and_the_finalizer_runs_after_it(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var state = Path.Combine(cli.Root, "state");
        Directory.CreateDirectory(state);
        var manifest = cli.Write("sidecar.yaml", $$"""
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata:
              name: sidecar
            spec:
              mainStep:
                template:
                  main: test
                  spec:
                    containers:
                      - name: helper
                        image: alpine
                        command: ["sh", "-c", "echo serving > /shared/status.tmp && mv /shared/status.tmp /shared/status; sleep 600"]
                        volumeMounts: [{name: shared, mountPath: /shared}]
                      - name: test
                        image: alpine
                        command: ["sh", "-c", "for i in $(seq 600); do [ -e /shared/status ] && break; sleep 0.1; done; cat /shared/status; echo main > /state/main"]
                        volumeMounts: [{name: shared, mountPath: /shared}, {name: state, mountPath: /state}]
                    finalizerContainer:
                      name: finalizer
                      image: alpine
                      command: ["sh", "-c", "cat /state/main > /state/finalizer-saw"]
                      volumeMounts: [{name: state, mountPath: /state}]
                    volumes:
                      - name: shared
                        emptyDir: {}
                      - name: state
                        hostPath:
                          path: {{state}}
            """);

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("serving", run.StderrLines);
        Assert.Equal("main", File.ReadAllText(Path.Combine(state, "finalizer-saw")).Trim());
        Assert.Equal("test", Assert.Single(run.Report.GetProperty("details").EnumerateArray()).GetProperty("name").GetString());
    }
}

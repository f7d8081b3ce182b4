namespace Kubetest.Cli.Tests;

/// <summary>What a run does and reports, through the real CLI on the local runtime.</summary>
public sealed class RunTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_failing_key_fails_the_run_with_exit_code_1_and_is_counted_in_the_report(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("fail.yaml", Manifests.Strategy(["ok-1", "bad", "ok-2"], "echo running $TASK_KEY; test $TASK_KEY != bad"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var report = run.Report;
        Assert.Equal("failure", report.GetProperty("status").GetString());
        Assert.Equal(3, report.GetProperty("totalNum").GetInt32());
        Assert.Equal(2, report.GetProperty("successNum").GetInt32());
        Assert.Equal(1, report.GetProperty("failureNum").GetInt32());
        var bad = report.GetProperty("details").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "bad");
        Assert.Equal("failure", bad.GetProperty("status").GetString());
        Assert.Contains("running bad", run.StderrLines);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Retest_reruns_a_failed_key_once_and_reports_its_final_status(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var state = Path.Combine(cli.Root, "state");
        Directory.CreateDirectory(state);
        var manifest = cli.Write("retest.yaml", Manifests.Strategy(
            ["flaky", "steady"],
            "if [ $TASK_KEY = flaky ] && [ ! -e /state/flaky ]; then touch /state/flaky; exit 1; fi; echo attempt-ok $TASK_KEY",
            extraStrategy: "retest: true",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[INFO] retest 1 failed keys", run.StderrLines);
        Assert.Contains("attempt-ok flaky", run.StderrLines);
        var report = run.Report;
        Assert.Equal("success", report.GetProperty("status").GetString());
        Assert.Equal(2, report.GetProperty("totalNum").GetInt32());
        Assert.Equal(2, report.GetProperty("successNum").GetInt32());
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_retested_key_exports_its_final_attempts_artifact_into_its_own_directory(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var export = Path.Combine(cli.Root, "export");
        var manifest = cli.Write("retest-artifacts.yaml", Manifests.Strategy(
            ["ok1", "ok2", "bad3"],
            "n=$(cat /state/$TASK_KEY 2>/dev/null || echo 0); n=$((n+1)); echo $n > /state/$TASK_KEY; echo \"$TASK_KEY attempt $n\" > /work/result.txt; [ $TASK_KEY != bad3 ]",
            scheduler: "maxContainersPerPod: 1",
            extraStrategy: "retest: true",
            extraPodSpec: $"artifacts:\n  - name: result\n    container:\n      name: test\n      path: /work/result.txt\nvolumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "workingDir: /work\nvolumeMounts:\n  - name: state\n    mountPath: /state",
            extraSpec: $"exportArtifacts:\n  - name: result\n    path: {export}"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("[INFO] retest 1 failed keys", run.StderrLines);
        string Result(string container) => File.ReadAllText(Path.Combine(export, container, "result.txt"));
        Assert.Equal("ok1 attempt 1\n", Result("test0-0"));
        Assert.Equal("ok2 attempt 1\n", Result("test1-0"));
        Assert.Equal("bad3 attempt 2\n", Result("test2-0"));
        Assert.Equal(["test0-0", "test1-0", "test2-0"], Directory.GetDirectories(export).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var attempts = run.Report.GetProperty("details").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("attempts").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["ok1"] = 1, ["ok2"] = 1, ["bad3"] = 2 }, attempts);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Without_retest_a_failed_key_is_not_run_again(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var state = Path.Combine(cli.Root, "state");
        Directory.CreateDirectory(state);
        var manifest = cli.Write("noretest.yaml", Manifests.Strategy(
            ["flaky"],
            "echo x >> /state/runs; exit 1",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));

        var run = await cli.RunAsync(manifest);

        Assert.Equal(1, run.ExitCode);
        Assert.Single(File.ReadAllLines(Path.Combine(state, "runs")));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_list_file_replaces_the_manifests_static_keys(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("list.yaml", Manifests.Strategy(["from-manifest"], "echo got $TASK_KEY"));
        var list = cli.Write("keys.txt", "alpha\n\nbeta\n");

        var run = await cli.RunAsync("--list", list, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[INFO] found 2 static keys to start distributed task", run.StderrLines);
        Assert.Equal(
            ["alpha", "beta"],
            run.Report.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("got from-manifest", run.StderrLines);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Template_parameters_are_substituted_before_the_manifest_is_read(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("template.yaml", Manifests.Single("echo {{ .greeting }} from {{.who}}"));

        var run = await cli.RunAsync("--template", "greeting=hi", "--template", "who=kubetest", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("hi from kubetest", run.StderrLines);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task The_report_written_with_o_is_the_report_printed_on_stdout(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var output = Path.Combine(cli.Root, "out", "report.json");

        var run = await cli.RunAsync("-o", output, CliRunner.Example("strategy-static.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(run.Stdout.Trim(), File.ReadAllText(output).Trim());
        Assert.Equal(3, run.Report.GetProperty("totalNum").GetInt32());
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Log_extParam_appears_as_ext_in_the_report(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("ext.yaml", Manifests.Single("true", extraSpec: "log:\n  extParam:\n    build: \"42\"\n    branch: main"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var ext = run.Report.GetProperty("ext");
        Assert.Equal("42", ext.GetProperty("build").GetString());
        Assert.Equal("main", ext.GetProperty("branch").GetString());
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_freed_slot_takes_the_next_key_at_once_instead_of_waiting_for_the_wave(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        // Two slots: "long" holds one for 3 s; the short keys must flow through the other slot meanwhile.
        var manifest = cli.Write("conserving.yaml", Manifests.Strategy(
            ["long", "s1", "s2", "s3"],
            "if [ $TASK_KEY = long ]; then sleep 3; else sleep 0.2; fi",
            scheduler: "maxContainersPerPod: 10\nmaxConcurrentNumPerPod: 2"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            ["s1", "s2", "s3", "long"],
            run.Report.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Keys_never_run_above_maxConcurrentNumPerPod_at_once_in_a_pod(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var state = Path.Combine(cli.Root, "state");
        Directory.CreateDirectory(state);

        // Each key records how many keys were running when it started (mkdir is atomic).
        var manifest = cli.Write("limit.yaml", Manifests.Strategy(
            Enumerable.Range(1, 8).Select(i => $"k{i}"),
            "mkdir /state/running-$TASK_KEY; ls /state | grep -c running- >> /state/seen; sleep 0.3; rmdir /state/running-$TASK_KEY",
            scheduler: "maxContainersPerPod: 8\nmaxConcurrentNumPerPod: 3",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var seen = File.ReadAllLines(Path.Combine(state, "seen")).Select(int.Parse).ToList();
        Assert.Equal(8, seen.Count);
        Assert.True(seen.Max() <= 3, string.Join(",", seen));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Timings_from_an_earlier_report_start_the_longest_key_first(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("timings.yaml", Manifests.Strategy(
            ["a", "b", "long"],
            "sleep 0.1",
            scheduler: "maxContainersPerPod: 10\nmaxConcurrentNumPerPod: 1"));
        var earlier = cli.Write("earlier.json", """
            {"details": [{"elapsedTimeSec": 0, "name": "a", "status": "success"},
                         {"elapsedTimeSec": 0, "name": "b", "status": "success"},
                         {"elapsedTimeSec": 42, "name": "long", "status": "success"}],
             "elapsedTimeSec": 42, "failureNum": 0, "startedAt": "2026-01-01T00:00:00Z", "status": "success", "successNum": 3, "totalNum": 3}
            """);

        var run = await cli.RunAsync("--timings", earlier, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            ["long", "a", "b"],
            run.Report.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_timings_file_that_is_not_a_report_exits_3_naming_it(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("timings.yaml", Manifests.Strategy(["a"], "true"));
        var earlier = cli.Write("not-a-report.json", "{\"hello\": 1}");

        var run = await cli.RunAsync("--timings", earlier, manifest);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("not-a-report.json", run.Stderr, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Dynamic_keys_are_split_by_the_delimiter_and_filtered_by_the_regex(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("dynamic.yaml", """
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata:
              name: dynamic
            spec:
              mainStep:
                strategy:
                  key:
                    env: TEST
                    source:
                      dynamic:
                        delimiter: ","
                        filter: "^Test[A-Z]"
                        template:
                          spec:
                            containers:
                              - name: list
                                image: alpine
                                command: ["printf", "TestAlpha, helper ,TestBeta,Testlower,,TestGamma"]
                  scheduler:
                    maxPodNum: 2
                template:
                  spec:
                    containers:
                      - name: test
                        image: alpine
                        command: ["sh", "-c", "echo ran $TEST"]
            """);

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[INFO] found 3 dynamic keys to start distributed task.", run.StderrLines);
        Assert.Equal(
            ["TestAlpha", "TestBeta", "TestGamma"],
            run.Report.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.Contains("ran TestBeta", run.StderrLines);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Live_output_prints_each_line_prefixed_by_its_key(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("live.yaml", Manifests.Strategy(["one", "two"], "echo first $TASK_KEY; echo second $TASK_KEY"));

        var run = await cli.RunAsync("--live", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[TASK_KEY:one] first one", run.StderrLines);
        Assert.Contains("[TASK_KEY:two] second two", run.StderrLines);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task At_log_level_warn_only_failing_keys_print_their_output(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("quiet.yaml", Manifests.Strategy(["good", "bad"], "echo output of $TASK_KEY; test $TASK_KEY = good"));

        var run = await cli.RunAsync("--log-level", "warn", manifest);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("output of bad", run.StderrLines);
        Assert.DoesNotContain("output of good", run.StderrLines);
        Assert.DoesNotContain(run.StderrLines, l => l.StartsWith("[INFO]", StringComparison.Ordinal));
        Assert.Equal(2, run.Report.GetProperty("totalNum").GetInt32());
    }
}

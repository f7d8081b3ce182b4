using System.Diagnostics;
using System.Text.Json;
using Kubetest.Emulator;

namespace Kubetest.Cli.Tests;

/// <summary>
/// <c>strategy.scheduler.mode: queue</c> through the real CLI, on the local runtime and on Kubernetes (the
/// emulator): worker containers take keys from one queue, artifacts per key, timeouts, slow pods, the dry run.
/// </summary>
public sealed class QueueModeTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Each_keys_artifact_is_exported_into_its_own_directory_below_the_worker_that_ran_it_and_none_is_overwritten(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var export = Path.Combine(cli.Root, "export");
        var keys = Enumerable.Range(1, 7).Select(i => $"k{i}").ToList();

        // Every key writes the same file name and one of its own, and says what it found there from an earlier key.
        var manifest = cli.Write("queue-artifacts.yaml", Manifests.Strategy(
            keys,
            "echo found $(ls /work/out 2>/dev/null | wc -l) for $TASK_KEY; mkdir -p /work/out && echo $TASK_KEY > /work/out/result.txt && echo $TASK_KEY > /work/out/$TASK_KEY.txt",
            scheduler: "mode: queue\nmaxPodNum: 2\nmaxConcurrentNumPerPod: 2",
            extraPodSpec: "artifacts:\n  - name: result\n    container:\n      name: test\n      path: /work/out",
            extraContainer: "workingDir: /work",
            extraSpec: $"exportArtifacts:\n  - name: result\n    path: {export}"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(7, run.Report.GetProperty("successNum").GetInt32());
        Assert.All(keys, k => Assert.Contains($"found 0 for {k}", run.StderrLines));
        var workers = Directory.GetDirectories(export).Select(Path.GetFileName).ToList();
        Assert.All(workers, w => Assert.Matches("^test[01]-[01]$", w));
        for (var i = 0; i < keys.Count; i++)
        {
            var own = Directory.GetDirectories(export, $"{i}-{keys[i]}", SearchOption.AllDirectories);
            var dir = Path.Combine(Assert.Single(own), "out");
            Assert.Equal([$"{keys[i]}.txt", "result.txt"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(keys[i] + "\n", File.ReadAllText(Path.Combine(dir, "result.txt")));
        }

        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_hanging_key_is_ended_by_its_timeout_while_the_other_workers_finish_every_other_key(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var seconds = 600_000 + Random.Shared.Next(100_000);
        var manifest = cli.Write("queue-timeout.yaml", Manifests.Strategy(
            ["hang", "a", "b", "c", "d"],
            $"if [ $TASK_KEY = hang ]; then sleep {seconds}; fi; echo finished $TASK_KEY",
            scheduler: "mode: queue\nmaxPodNum: 1\nmaxConcurrentNumPerPod: 2"));
        var clock = Stopwatch.StartNew();

        var run = await cli.RunAsync("--key-timeout", "3s", manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the run took {clock.Elapsed}");
        Assert.Equal(new Dictionary<string, string> { ["hang"] = "failure", ["a"] = "success", ["b"] = "success", ["c"] = "success", ["d"] = "success" }, Statuses(run.Report));
        Assert.Contains("[WARN] hang: timed out after 3s, exit code 124", run.StderrLines);
        Assert.All(["a", "b", "c", "d"], k => Assert.Contains($"finished {k}", run.StderrLines));
        Assert.DoesNotContain(ProcessTable.CommandLines(), l => l.Contains($"sleep {seconds}", StringComparison.Ordinal));
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_slow_pod_holds_no_keys_the_short_keys_all_run_on_the_free_worker(RuntimeKind runtime)
    {
        // 2 pods × 1 worker. "long" ends only once all six short keys have run: in static mode three of them
        // would wait in long's pod behind it, and long would end by its timeout.
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var shorts = Enumerable.Range(1, 6).Select(i => $"s{i}").ToList();
        var manifest = cli.Write("queue-slow-pod.yaml", Manifests.Strategy(
            ["long", .. shorts],
            "if [ $TASK_KEY = long ]; then until [ $(cat /state/* 2>/dev/null | wc -l) -ge 6 ]; do sleep 0.1; done; else echo $TASK_KEY > /state/$TASK_KEY; fi; echo done $TASK_KEY",
            scheduler: "mode: queue\nmaxPodNum: 2\nmaxConcurrentNumPerPod: 1",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));

        var run = await cli.RunAsync("--key-timeout", "60s", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(7, run.Report.GetProperty("successNum").GetInt32());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [Fact]
    public async Task The_dry_run_shows_the_worker_containers_and_says_keys_are_taken_from_a_shared_queue_at_run_time()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("queue-dry.yaml", Manifests.Strategy(["a", "b", "c", "d", "e"], "echo $TASK_KEY", scheduler: "mode: queue\nmaxPodNum: 2\nmaxConcurrentNumPerPod: 2"));

        var run = await cli.RunAsync("--dry-run", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.Select(l => l.Trim()).ToList();
        Assert.Contains(lines, l => l.StartsWith("1. mainStep: queue mode: 5 keys over 2 pods, 4 worker containers in all; every free worker of any pod takes the next key from one shared queue at run time, in the keys' own order", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("pod 0: 2 worker containers, Job e2e-", StringComparison.Ordinal));
        Assert.Contains("test1-1: [TASK_KEY:<next key from the queue>] sh -c echo $TASK_KEY", lines);
        Assert.Contains("keys in queue order: a, b, c, d, e", lines);

        // The Jobs: two, each with its two workers and no key in their env.
        Assert.Equal(2, run.Stdout.Split("kind: Job").Length - 1);
        Assert.Contains("name: test0-1", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("name: TASK_KEY", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("kubetest.io/strategyKeys", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_timings_the_dry_run_gives_the_queue_order_and_the_expected_makespan_against_the_lower_bound()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("queue-timed.yaml", Manifests.Strategy(["a", "long", "b", "c"], "true", scheduler: "mode: queue\nmaxPodNum: 2\nmaxConcurrentNumPerPod: 1"));
        var timings = cli.Write("timings.json", """
            {"details": [{"elapsedTimeSec": 30, "name": "long", "status": "success"},
                         {"elapsedTimeSec": 10, "name": "a", "status": "success"},
                         {"elapsedTimeSec": 10, "name": "b", "status": "success"},
                         {"elapsedTimeSec": 10, "name": "c", "status": "success"}],
             "elapsedTimeSec": 30, "failureNum": 0, "startedAt": "2026-01-01T00:00:00Z", "status": "success", "successNum": 4, "totalNum": 4}
            """);

        var run = await cli.RunAsync("--dry-run", "--timings", timings, manifest);

        // static mode plans long and one short key into one pod (40 s); the queue's free worker takes all three short keys.
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.Select(l => l.Trim()).ToList();
        Assert.Contains("keys in queue order: long, a, b, c", lines);
        Assert.Contains(lines, l => l.StartsWith("expected makespan 30.0 s (1.00 x), lower bound 30.0 s = max(total 60.0 s / 2 workers, longest key 30.0 s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_scheduler_mode_is_one_error_naming_the_field_and_exit_3()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("queue-bad.yaml", Manifests.Strategy(["a"], "echo $TASK_KEY", scheduler: "mode: queued"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.Contains("spec.mainStep.strategy.scheduler.mode", error, StringComparison.Ordinal);
        Assert.Contains("expected \"static\" or \"queue\", got \"queued\"", error, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    private static Dictionary<string, string> Statuses(JsonElement report) =>
        report.GetProperty("details").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("status").GetString()!);
}

using System.Diagnostics;

namespace Kubetest.Cli.Tests;

/// <summary>SIGINT stops running keys, cleans up and exits 4, with every key accounted for.</summary>
public sealed class InterruptTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    public static TheoryData<string, RuntimeKind> Signals => new()
    {
        { "INT", RuntimeKind.Local },
        { "TERM", RuntimeKind.Local },
        { "INT", RuntimeKind.Kubernetes },
        { "TERM", RuntimeKind.Kubernetes },
    };

    [SkippableTheory]
    [MemberData(nameof(Signals))]
    public async Task A_signal_mid_run_kills_running_keys_leaves_nothing_behind_and_exits_4(string signal, RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var state = Path.Combine(cli.Root, "state");
        Directory.CreateDirectory(state);
        var manifest = cli.Write("long.yaml", Manifests.Strategy(
            ["quick", "slow-1", "slow-2"],
            "if [ $TASK_KEY = quick ]; then echo quick-done; exit 0; fi; echo $$ > /state/$TASK_KEY.pid; sleep 613",
            scheduler: "maxContainersPerPod: 3",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));

        var run = await cli.RunAndSignalAsync(signal, "1/3", manifest);

        Assert.True(run.ExitCode == 4, run.ToString());
        var report = run.Report;
        Assert.Equal("failure", report.GetProperty("status").GetString());
        Assert.Equal(3, report.GetProperty("totalNum").GetInt32());
        Assert.Equal(1, report.GetProperty("successNum").GetInt32());
        Assert.Equal(2, report.GetProperty("unknownNum").GetInt32());
        Assert.Empty(cli.Leftovers());
        Assert.Empty(runtimes.LeftInCluster(runtime));
        // Locally kubetest itself kills the keys before it exits; on Kubernetes the (emulated)
        // kubelet kills them once the pod is deleted, which may take a moment after the API call.
        var deadline = DateTime.UtcNow.AddSeconds(runtime == RuntimeKind.Local ? 0 : 10);
        foreach (var pidFile in Directory.GetFiles(state, "*.pid"))
        {
            var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            while (IsRunning(pid) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.False(IsRunning(pid), $"the process of {Path.GetFileName(pidFile)} is still running");
        }
    }

    public static TheoryData<RuntimeKind, string, string> Modes => new()
    {
        { RuntimeKind.Local, "static", "" },
        { RuntimeKind.Local, "queue", "" },
        { RuntimeKind.Local, "static", "batch" },
        { RuntimeKind.Local, "queue", "batch" },
        { RuntimeKind.Kubernetes, "static", "" },
        { RuntimeKind.Kubernetes, "queue", "" },
        { RuntimeKind.Kubernetes, "static", "batch" },
        { RuntimeKind.Kubernetes, "queue", "batch" },
    };

    [SkippableTheory]
    [MemberData(nameof(Modes))]
    public async Task Keys_that_started_are_interrupted_with_one_attempt_and_keys_that_waited_never_started_in_the_report_summary_and_junit(RuntimeKind runtime, string mode, string batch)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var state = Path.Combine(cli.Root, "state");
        Directory.CreateDirectory(state);
        var junit = Path.Combine(cli.Root, "junit.xml");

        // Two keys run at once (two slots, or one slot running a batch of two) and never end; the other two wait.
        var manifest = cli.Write("interrupted.yaml", Manifests.Strategy(
            ["s1", "s2", "w1", "w2"],
            "for k in $TASK_KEY; do touch /state/$k.started; done; sleep 619",
            scheduler: $"mode: {mode}\nmaxPodNum: 1\nmaxConcurrentNumPerPod: {(batch == "" ? 2 : 1)}",
            extraStrategy: batch == "" ? "" : "batch:\n  maxKeys: 2",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));

        var run = await cli.RunAndSignalAsync("INT", [], StartedAsync(state, 2), "--junit", junit, manifest);

        Assert.True(run.ExitCode == 4, run.ToString());
        var started = Directory.GetFiles(state, "*.started").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["s1", "s2"], started);
        var details = run.Report.GetProperty("details").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!, d => (d.GetProperty("status").GetString(), d.GetProperty("attempts").GetInt32()));
        Assert.Equal(("unknown", 1), details["s1"]);
        Assert.Equal(("unknown", 1), details["s2"]);
        Assert.Equal(("unknown", 0), details["w1"]);
        Assert.Equal(("unknown", 0), details["w2"]);
        Assert.Equal(4, run.Report.GetProperty("unknownNum").GetInt32());
        var lines = run.Stderr.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains("[WARN] summary: 4 keys: 0 succeeded, 0 failed, 4 unknown (2 interrupted, 2 skipped: never started)", lines);
        Assert.True(lines.Count(l => l == "[ERROR] interrupted: the run was stopped while it was running") >= 2, run.ToString());

        var suite = System.Xml.Linq.XDocument.Load(junit).Descendants("testsuite").Single();
        Assert.Equal(("4", "2", "2"), ((string?)suite.Attribute("tests"), (string?)suite.Attribute("errors"), (string?)suite.Attribute("skipped")));
        var cases = suite.Elements("testcase").ToDictionary(c => (string)c.Attribute("name")!, c => c.Elements().Single(e => e.Name.LocalName is "error" or "skipped"));
        foreach (var key in new[] { "s1", "s2" })
        {
            Assert.Equal(("error", "no result: interrupted: the run was stopped while it was running"), (cases[key].Name.LocalName, (string?)cases[key].Attribute("message")));
        }

        foreach (var key in new[] { "w1", "w2" })
        {
            Assert.Equal(("skipped", "never started"), (cases[key].Name.LocalName, (string?)cases[key].Attribute("message")));
        }

        Assert.Empty(cli.Leftovers());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    /// <summary>Completes once <paramref name="count"/> keys wrote their start marker in <paramref name="state"/>.</summary>
    private static async Task StartedAsync(string state, int count)
    {
        while (Directory.GetFiles(state, "*.started").Length < count)
        {
            await Task.Delay(50);
        }
    }

    private static bool IsRunning(int pid)
    {
        // In bwrap the pid is the sandbox's own; a sleep of ours would still show in the host's process list.
        var sleeps = Process.GetProcessesByName("sleep");
        try
        {
            return sleeps.Any(p => p.Id == pid) || sleeps.Any(p => CommandLine(p.Id).Contains("sleep 613", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var p in sleeps)
            {
                p.Dispose();
            }
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }
}

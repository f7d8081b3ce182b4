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

using k8s;
using k8s.Models;
using Kubetest.Emulator;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>
/// Which execs are tried again: only an upgrade refused before the 101. A command whose upgrade
/// succeeded is never started a second time, whatever happens to its connection. Each command
/// counts its runs in a file of a hostPath volume.
/// </summary>
public sealed class ExecRetryTests() : EmulatorRuntimeTestBase("kubetest-exec-retry-")
{
    private string Runs => Path.Combine(Root, "state", "runs");

    private string State => Directory.CreateDirectory(Path.Combine(Root, "state")).FullName;

    [Fact]
    public async Task An_upgrade_refused_with_500_is_tried_again_and_the_command_runs_once()
    {
        await using var pod = await StartAsync();
        Emulator.Options.Faults.RefuseExecUpgrades = 2;
        var refusedBefore = Emulator.Injected500Count;
        var output = new Count();

        var exitCode = await pod.ExecAsync("test0-0", ["sh", "-c", "echo run >> /state/runs; echo done"], output, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Equal(2, Emulator.Injected500Count - refusedBefore);
        Assert.Equal(["run"], await File.ReadAllLinesAsync(Runs));
        Assert.Equal(1, output.Lines);
    }

    [Fact]
    public async Task A_connection_dropped_after_the_command_started_is_an_error_and_the_command_is_not_run_again()
    {
        await using var pod = await StartAsync();
        Emulator.Options.Faults.DropExecAfterBytes = 1_000_000;
        var output = new Count();

        var error = await Assert.ThrowsAsync<PodFailedException>(() => pod.ExecAsync(
            "test0-0",
            ["sh", "-c", "echo run >> /state/runs; head -c 20000000 /dev/zero | tr '\\0' a | fold -w 99"],
            output,
            CancellationToken.None));
        Emulator.Options.Faults.DropExecAfterBytes = null;

        Assert.Contains("lost its connection after the command started", error.Message, StringComparison.Ordinal);
        Assert.True(error.CommandMayHaveRun);
        Assert.Contains("not run again", error.Message, StringComparison.Ordinal);
        Assert.Equal(["run"], await File.ReadAllLinesAsync(Runs));
        Assert.InRange(output.Lines, 1, 200_000 - 1);
    }

    [Fact]
    public async Task A_copy_in_whose_upgrade_was_refused_is_tried_again_and_arrives()
    {
        var local = Path.Combine(Root, "input.txt");
        await File.WriteAllTextAsync(local, "copied\n");
        await using var pod = await StartAsync();
        Emulator.Options.Faults.RefuseExecUpgrades = 1;

        await pod.CopyToAsync("test0-0", local, "/state/copied.txt", CancellationToken.None);

        Assert.Equal(0, Emulator.Options.Faults.RefuseExecUpgrades);
        Assert.Equal("copied\n", await File.ReadAllTextAsync(Path.Combine(Root, "state", "copied.txt")));
    }

    [Fact]
    public async Task A_copy_out_whose_connection_drops_midway_every_time_is_an_error_not_a_partial_file()
    {
        await using var pod = await StartAsync();
        await pod.ExecAsync("test0-0", ["sh", "-c", "head -c 3000000 /dev/zero > /state/big"], new Count(), CancellationToken.None);
        Emulator.Options.Faults.DropExecAfterBytes = 1_000_000;
        var target = Path.Combine(Root, "big-copy");

        var error = await Assert.ThrowsAsync<PodFailedException>(() => pod.CopyFromAsync("test0-0", "/state/big", target, CancellationToken.None));
        Emulator.Options.Faults.DropExecAfterBytes = null;

        Assert.Contains("lost its connection", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task A_copy_out_whose_connection_dropped_once_is_packed_again_and_arrives_whole()
    {
        // Packing only reads the container's files, so unlike a key's command it may run again.
        await using var pod = await StartAsync();
        await pod.ExecAsync("test0-0", ["sh", "-c", "head -c 3000000 /dev/zero > /state/big"], new Count(), CancellationToken.None);
        Emulator.Options.Faults.DropExecAfterBytes = 1_000_000;
        Emulator.Options.Faults.DropExecTimes = 1;
        var target = Path.Combine(Root, "big-once");

        await pod.CopyFromAsync("test0-0", "/state/big", target, CancellationToken.None);
        var dropsLeft = Emulator.Options.Faults.DropExecTimes;
        Emulator.Options.Faults.DropExecAfterBytes = null;
        Emulator.Options.Faults.DropExecTimes = null;

        Assert.Equal(0, dropsLeft);
        Assert.Equal(3_000_000, new FileInfo(target).Length);
    }

    [Fact]
    public async Task Fifty_megabytes_of_lines_arrive_complete_with_exit_code_0()
    {
        await using var pod = await StartAsync();
        var output = new Count();

        var exitCode = await pod.ExecAsync("test0-0", ["sh", "-c", "head -c 50000000 /dev/zero | tr '\\0' a | fold -w 99; echo end >&2"], output, CancellationToken.None);

        // fold cuts 50,000,000 characters into 505,050 lines of 99 and one of 50.
        Assert.Equal(0, exitCode);
        Assert.Equal(50_000_000, output.StdoutChars);
        Assert.Equal(505_050, output.LinesOf99);
        Assert.Equal(505_052, output.Lines);
    }

    private async Task<IPod> StartAsync()
    {
        var request = new PodRequest(
            "retry-",
            new V1ObjectMeta { Labels = new Dictionary<string, string> { ["kubetest.io/testjob"] = "true" } },
            new V1PodSpec
            {
                RestartPolicy = "Never",
                Volumes = [new V1Volume { Name = "state", HostPath = new V1HostPathVolumeSource { Path = State } }],
                Containers = [new V1Container
                {
                    Name = "test0-0",
                    Image = "alpine",
                    Command = ["true"],
                    VolumeMounts = [new V1VolumeMount { Name = "state", MountPath = "/state" }],
                }],
            },
            ["test0-0"],
            [],
            null);
        return await Runtime.StartPodAsync(request, NullOutputSink.Instance, CancellationToken.None);
    }

    /// <summary>Counts lines instead of keeping them: the outputs here are tens of megabytes.</summary>
    private sealed class Count : IOutputSink
    {
        private int _lines;
        private int _linesOf99;
        private long _stdoutChars;

        public int Lines => _lines;

        public int LinesOf99 => _linesOf99;

        public long StdoutChars => Interlocked.Read(ref _stdoutChars);

        public void WriteLine(OutputStream stream, string line)
        {
            Interlocked.Increment(ref _lines);
            if (stream == OutputStream.Stdout && !line.AsSpan().ContainsAnyExcept('a'))
            {
                Interlocked.Add(ref _stdoutChars, line.Length);
            }

            if (stream == OutputStream.Stdout && line.Length == 99 && !line.AsSpan().ContainsAnyExcept('a'))
            {
                Interlocked.Increment(ref _linesOf99);
            }
        }
    }
}

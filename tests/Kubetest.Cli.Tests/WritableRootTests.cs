using System.Diagnostics;

namespace Kubetest.Cli.Tests;

/// <summary>
/// A key writes where a container on a cluster may write, over its image (<c>/usr/lib</c>, <c>/etc</c>,
/// beside the Python standard library), on the local runtime and on the emulator (whose kubelet is
/// the local runtime): it succeeds, reads back what it wrote, another key's container does not see
/// it, and the host's files are as they were. <c>readOnlyRootFilesystem: true</c> still refuses.
/// </summary>
public sealed class WritableRootTests(Runtimes runtimes) : IClassFixture<Runtimes>, IDisposable
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];

    private string Victims => $"/usr/local/share/kubetest-cow-e2e-{_id}";

    public void Dispose()
    {
        if (Directory.Exists(Victims))
        {
            Directory.Delete(Victims, recursive: true);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Keys_write_the_root_copy_on_write_each_in_its_own_layer_and_the_host_keeps_its_files(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        Directory.CreateDirectory(Victims);
        File.WriteAllText(Path.Combine(Victims, "victim.txt"), "original\n");
        File.WriteAllText(Path.Combine(Victims, "doomed.txt"), "still here\n");
        var planted = $"kubetest-cow-e2e-{_id}";
        var manifest = cli.Write("writes.yaml", Manifests.Strategy(["a", "b"], $"""
            set -e
            echo $TASK_KEY > {Victims}/victim.txt
            rm {Victims}/doomed.txt
            echo $TASK_KEY > /usr/lib/{planted}-$TASK_KEY
            echo conf > /etc/{planted}-$TASK_KEY.conf
            stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
            echo pyc > "$stdlib/{planted}-$TASK_KEY.pyc"
            sleep 1
            for other in a b; do [ $other = $TASK_KEY ] || test ! -e /usr/lib/{planted}-$other; done
            echo "read back: $(cat {Victims}/victim.txt /usr/lib/{planted}-$TASK_KEY /etc/{planted}-$TASK_KEY.conf "$stdlib/{planted}-$TASK_KEY.pyc" | tr '\n' ' ')"
            """.ReplaceLineEndings("; ")));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("read back: a a conf pyc", run.Stderr + run.Stdout, StringComparison.Ordinal);
        Assert.Contains("read back: b b conf pyc", run.Stderr + run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("read-only", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("original\n", File.ReadAllText(Path.Combine(Victims, "victim.txt")));
        Assert.Equal("still here\n", File.ReadAllText(Path.Combine(Victims, "doomed.txt")));
        Assert.Empty(Directory.GetFiles("/usr/lib", planted + "*"));
        Assert.Empty(Directory.GetFiles("/etc", planted + "*"));
        Assert.Empty(Directory.GetFiles(await StdlibAsync(), planted + "*"));
        Assert.Empty(cli.Leftovers());
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_container_asking_for_a_read_only_root_cannot_write_there(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var manifest = cli.Write("read-only.yaml", Manifests.Single(
            $"echo x > /usr/lib/kubetest-cow-e2e-{_id}-ro",
            extraContainer: "securityContext:\n  readOnlyRootFilesystem: true"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("Read-only file system", run.Stderr + run.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists($"/usr/lib/kubetest-cow-e2e-{_id}-ro"));
    }

    [Fact]
    public async Task Without_kubetest_cow_a_local_run_says_once_that_the_root_is_read_only_and_its_keys_cannot_write_there()
    {
        using var cli = new CliRunner(["--runtime", "local"]);

        // The CLI as built, less its copy-on-write helper: as a machine without `cc` would have built it.
        var copy = Directory.CreateDirectory(Path.Combine(cli.Root, "cli")).FullName;
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory).Where(f => Path.GetFileName(f) != "kubetest-cow"))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        cli.CliOverride = Path.Combine(copy, "kubetest.dll");
        var planted = $"/usr/lib/kubetest-cow-e2e-{_id}";
        var manifest = cli.Write("no-cow.yaml", Manifests.Strategy(["a", "b"], $"echo x > {planted}-$TASK_KEY"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var warning = Assert.Single(run.StderrLines, line => line.Contains("no copy-on-write overlay can be made here", StringComparison.Ordinal));
        Assert.StartsWith("[WARN] containers see this machine's files read-only", warning, StringComparison.Ordinal);
        Assert.Contains("kubetest-cow is missing", warning, StringComparison.Ordinal);
        Assert.Equal(2, run.StderrLines.Count(line => line.Contains("Read-only file system", StringComparison.Ordinal)));
        Assert.Empty(Directory.GetFiles("/usr/lib", $"kubetest-cow-e2e-{_id}*"));
        Assert.Empty(cli.Leftovers());
    }

    private static async Task<string> StdlibAsync()
    {
        using var python = Process.Start(new ProcessStartInfo("python3", ["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"]) { RedirectStandardOutput = true })!;
        var stdlib = (await python.StandardOutput.ReadToEndAsync()).Trim();
        await python.WaitForExitAsync();
        return stdlib;
    }
}

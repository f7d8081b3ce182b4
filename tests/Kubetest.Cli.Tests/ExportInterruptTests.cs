namespace Kubetest.Cli.Tests;

/// <summary>A signal during export stops the copying, says what was and was not exported, and exits 4.</summary>
public sealed class ExportInterruptTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private const int FileCount = 20_000;

    public static TheoryData<string, RuntimeKind> Signals => new()
    {
        { "INT", RuntimeKind.Local },
        { "TERM", RuntimeKind.Local },
        { "INT", RuntimeKind.Kubernetes },
    };

    [SkippableTheory]
    [MemberData(nameof(Signals))]
    public async Task A_signal_during_the_export_of_a_large_artifact_stops_it_and_exits_4(string signal, RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var export = Path.Combine(cli.Root, "export");
        var manifest = cli.Write("big.yaml", Manifests.Single(
            $"mkdir -p out; cd out; i=0; while [ $i -lt {FileCount} ]; do echo $i > f$i; i=$((i+1)); done",
            extraPodSpec: "artifacts:\n  - name: big\n    container:\n      name: test\n      path: /work/out\n  - name: later\n    container:\n      name: test\n      path: /work/out/f1",
            extraContainer: "workingDir: /work",
            extraSpec: $"exportArtifacts:\n  - name: big\n    path: {export}\n  - name: later\n    path: {export}-later"));

        var run = await cli.RunAndSignalAsync(signal, "[INFO] export artifact big", manifest);

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains(
            run.StderrLines,
            l => l.StartsWith("[WARN] export stopped: exported nothing; partly exported big (0 of 1", StringComparison.Ordinal) && l.EndsWith("not exported later", StringComparison.Ordinal));
        Assert.DoesNotContain("[INFO] export artifact later", run.StderrLines);
        var exported = Directory.Exists(export) ? Directory.EnumerateFiles(export, "*", SearchOption.AllDirectories).Count() : 0;
        Assert.True(exported < FileCount, $"all {exported} files were exported after the signal");
        Assert.False(Directory.Exists(export + "-later"));
        Assert.Equal("success", run.Report.GetProperty("details")[0].GetProperty("status").GetString());
        Assert.Empty(cli.Leftovers());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }
}

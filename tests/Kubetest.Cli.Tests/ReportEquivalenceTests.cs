namespace Kubetest.Cli.Tests;

/// <summary>
/// The report JSON and the <c>--junit</c> XML of every example and of one manifest per way keys are handed out
/// (<see cref="ReportEquivalenceCases"/>), through the real CLI on every runtime, normalized (<see cref="ReportNormalizer"/>)
/// and compared with the checked-in files in <c>Expected/</c> (<c>NAME.report.json</c>, <c>NAME.junit.xml</c>): a change in
/// the engine that changes what a run reports shows here as a diff naming the manifest and the line.
/// Every runtime compares with the same files, so they must report alike (one exception: <see cref="ReportEquivalenceCase.JUnitByRuntime"/>).
/// <para>
/// With <c>KUBETEST_UPDATE_EXPECTED=1</c> the test writes the expected files instead of comparing (runtime by runtime,
/// the last one written wins): run it so, review the diff, then run it twice without the variable.
/// </para>
/// </summary>
public sealed class ReportEquivalenceTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    public const string UpdateVariable = "KUBETEST_UPDATE_EXPECTED";

    private static readonly string ExpectedDirectory = Path.Combine(CliRunner.RepositoryRoot, "tests", "Kubetest.Cli.Tests", "Expected");

    private static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    public static TheoryData<string, RuntimeKind> Cases => ReportEquivalenceCases.Names();

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task The_normalized_report_and_junit_of_each_manifest_match_the_expected_files(string name, RuntimeKind runtime)
    {
        var test = ReportEquivalenceCases.All.Single(c => c.Name == name);
        using var cli = runtimes.Cli(runtime, test.SharesHostFiles);
        var junit = Path.Combine(cli.Root, "junit.xml");

        var run = await cli.RunAsync(["--junit", junit, .. test.Arguments(cli, runtimes, runtime)]);

        Assert.True(run.ExitCode is 0 or 1, run.ToString());
        Check(name, "report.json", ReportNormalizer.Report(run.Stdout, cli.Root, test.Parallel), run);
        Check(test.JUnitByRuntime ? $"{name}.{RuntimeFamily(runtime)}" : name, "junit.xml", ReportNormalizer.JUnit(File.ReadAllText(junit), cli.Root, test.Parallel), run);
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    /// <summary>A real cluster reports pods as the emulator does: both are the kubernetes runtime.</summary>
    private static string RuntimeFamily(RuntimeKind runtime) => runtime == RuntimeKind.Local ? "local" : "kubernetes";

    private static void Check(string name, string kind, string actual, CliRun run)
    {
        var path = Path.Combine(ExpectedDirectory, $"{name}.{kind}");
        if (Updating)
        {
            Directory.CreateDirectory(ExpectedDirectory);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"{path} is missing: run this test with {UpdateVariable}=1 to write it");
        var difference = LineDiff.First(File.ReadAllText(path), actual);
        Assert.True(difference is null, $"{name}: the normalized {kind} differs from {path}\n{difference}\n--- the run\n{run}");
    }
}

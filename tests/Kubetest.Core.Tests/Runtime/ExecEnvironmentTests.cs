using System.Diagnostics;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Runtime;

/// <summary>The sh wrapper that <c>IPod.ExecAsync</c> with env falls back to, run by a real sh.</summary>
public sealed class ExecEnvironmentTests
{
    [Fact]
    public async Task Several_variables_reach_the_command_verbatim_and_its_own_arguments_are_untouched()
    {
        var environment = new Dictionary<string, string> { ["TASK_KEY"] = "a b $HOME 'q'", ["KUBETEST_JUNIT"] = "/tmp/x;y.xml" };

        var output = await RunAsync(ExecEnvironment.Wrap(environment, ["printenv", "TASK_KEY", "KUBETEST_JUNIT"]));

        Assert.Equal("a b $HOME 'q'\n/tmp/x;y.xml\n", output);
    }

    [Fact]
    public void One_variable_is_the_single_key_wrapper_itself()
    {
        Assert.Equal(
            ExecEnvironment.Wrap("TASK_KEY", "k1", ["go", "test"]),
            ExecEnvironment.Wrap(new Dictionary<string, string> { ["TASK_KEY"] = "k1" }, ["go", "test"]));
    }

    private static async Task<string> RunAsync(IReadOnlyList<string> argv)
    {
        var start = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}

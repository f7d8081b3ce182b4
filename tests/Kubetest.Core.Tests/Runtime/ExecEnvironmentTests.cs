using System.Diagnostics;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Runtime;

/// <summary>The sh wrapper <c>ShellExec</c> puts the environment in, run by a real sh.</summary>
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
    public async Task Ten_or_more_variables_each_get_their_own_value_not_the_first_ones_followed_by_a_digit()
    {
        var environment = Enumerable.Range(1, 11).ToDictionary(i => $"V{i}", i => $"value {i}");

        var output = await RunAsync(ExecEnvironment.Wrap(environment, ["printenv", "V1", "V10", "V11"]));

        Assert.Equal("value 1\nvalue 10\nvalue 11\n", output);
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

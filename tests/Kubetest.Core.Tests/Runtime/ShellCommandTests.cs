using System.Diagnostics;
using k8s.Models;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Runtime;

/// <summary>The argv that ShellCommand builds, run by a real /bin/sh.</summary>
public sealed class ShellCommandTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("kubetest-shell-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    private static V1Container Container(IList<string> command, IList<string>? args = null) =>
        new() { Name = "test", Command = command, Args = args };

    private string Run(V1Container container, IReadOnlyDictionary<string, string>? env = null)
    {
        var argv = ShellCommand.Argv(container);
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _workDir,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {stderr}");
        return stdout.Result;
    }

    [Fact]
    public void The_argv_is_sh_dash_c_and_one_script_and_an_element_with_whitespace_follows_it_as_an_argument()
    {
        Assert.Equal(["sh", "-c", "echo hello"], ShellCommand.Argv(Container(["echo"], ["hello"])));
        Assert.Equal(
            ["sh", "-c", "VAR0=${1}; VAR2=${2}; shift 2; \"$VAR0\" -x \"$VAR2\"", "sh", "my tool", "a b"],
            ShellCommand.Argv(Container(["my tool", "-x"], ["a b\n"])));
    }

    [Fact]
    public void The_script_sees_no_positional_parameters_and_trailing_newlines_go_as_a_here_document_drops_them()
    {
        // The original's VARn=$(cat <<'EOS' … EOS) leaves $# at 0 and drops the trailing newlines.
        Assert.Equal("[a b]0", Run(Container(["printf"], ["[%s]$#", "a b\n\n"])));
    }

    [Fact]
    public void A_key_variable_in_args_expands_from_the_environment()
    {
        var output = Run(Container(["echo"], ["$TASK_KEY"]), new Dictionary<string, string> { ["TASK_KEY"] = "TASK_KEY_2" });

        Assert.Equal("TASK_KEY_2\n", output);
    }

    [Fact]
    public void An_argument_with_a_space_stays_one_word()
    {
        var output = Run(Container(["printf"], ["[%s]", "hello world"]));

        Assert.Equal("[hello world]", output);
    }

    [Fact]
    public void Echo_of_hello_world_prints_it()
    {
        Assert.Equal("hello world\n", Run(Container(["echo"], ["hello world"])));
    }

    [Fact]
    public void A_sh_dash_c_script_with_quotes_and_redirection_runs_as_written()
    {
        var output = Run(Container(["sh", "-c"], ["echo \"AWESOME!!!\" > f; cat f"]));

        Assert.Equal("AWESOME!!!\n", output);
    }

    [Fact]
    public void The_prestep_example_script_with_its_trailing_newline_writes_the_file()
    {
        Run(Container(["sh", "-c"], ["echo \"AWESOME!!!\" > awesome-stuff\n"]));

        Assert.Equal("AWESOME!!!\n", File.ReadAllText(Path.Combine(_workDir, "awesome-stuff")));
    }

    [Theory]
    [InlineData("back\\slash and space")]
    [InlineData("double \"quoted\" words")]
    [InlineData("back`tick`s and $HOME in a phrase")]
    [InlineData("single 'quotes'")]
    [InlineData("ends with a backslash\\")]
    [InlineData("glob * and ; semicolon | pipe")]
    [InlineData("a line\nKUBETEST_EOS\nanother")]
    public void An_argument_with_whitespace_survives_literally(string arg)
    {
        var output = Run(Container(["printf"], ["%s", arg]));

        Assert.Equal(arg, output);
    }

    [Fact]
    public void A_script_with_command_substitution_and_a_loop_reaches_the_inner_shell_untouched()
    {
        var output = Run(Container(["sh", "-c"], ["for i in $(seq 3); do printf \"$i,\"; done"]));

        Assert.Equal("1,2,3,", output);
    }

    [Fact]
    public void A_word_without_whitespace_is_read_by_the_shell_as_the_original_does()
    {
        // The original passes such words unquoted: the shell expands and unquotes them.
        var output = Run(Container(["printf"], ["[%s]", "'quoted'$NAME"]), new Dictionary<string, string> { ["NAME"] = "-x" });

        Assert.Equal("[quoted-x]", output);
    }

    [Fact]
    public void Display_joins_command_and_args_with_spaces()
    {
        Assert.Equal("sh -c echo \"AWESOME!!!\" > f", ShellCommand.Display(Container(["sh", "-c"], ["echo \"AWESOME!!!\" > f"])));
        Assert.Equal("echo $TASK_KEY", ShellCommand.Display(Container(["echo"], ["$TASK_KEY"])));
        Assert.Equal("make", ShellCommand.Display(Container(["make"])));
    }
}

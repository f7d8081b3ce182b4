using System.Collections.Concurrent;
using System.Diagnostics;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Runtime;

/// <summary><see cref="IPod.RunAsync"/>'s default (<see cref="ShellExec"/>) on top of a raw exec: a real /bin/sh, or a scripted one.</summary>
public sealed class ShellExecTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("kubetest-shell-exec-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task A_request_without_environment_or_limit_runs_the_words_in_their_sh_form_and_nothing_else()
    {
        var pod = new ScriptedPod((_, _, _) => Task.FromResult(3));

        var outcome = await Pod(pod).RunAsync(new ExecRequest("main", ["echo", "$TASK_KEY"]), new Lines(), default);

        Assert.Equal(new ExecOutcome(3), outcome);
        Assert.Equal(["sh", "-c", "echo $TASK_KEY"], pod.Commands.Single());
    }

    [Fact]
    public async Task The_environment_reaches_the_command_verbatim_and_no_character_of_a_value_is_read_by_the_shell()
    {
        var hostile = "a b $(touch pwned) `id` 'q' \"d\" ; $HOME";
        var output = new Lines();
        var request = new ExecRequest("main", ["printf", "[%s][%s]", "\"$TASK_KEY\"", "\"$OTHER\""])
        {
            Environment = new Dictionary<string, string> { ["TASK_KEY"] = hostile, ["OTHER"] = "x" },
        };

        var outcome = await Pod(new ShPod(_workDir)).RunAsync(request, output, default);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal([$"[{hostile}][x]"], output.Stdout);
        Assert.False(File.Exists(Path.Combine(_workDir, "pwned")));
    }

    [Fact]
    public async Task A_JUnit_path_gets_its_directory_made_and_an_older_file_removed_before_the_command_starts_and_is_in_KUBETEST_JUNIT()
    {
        var fresh = Path.Combine(_workDir, "junit", "deeper", "0.xml");
        var old = Path.Combine(_workDir, "old", "1.xml");
        Directory.CreateDirectory(Path.GetDirectoryName(old)!);
        await File.WriteAllTextAsync(old, "<left-behind/>");
        var output = new Lines();

        foreach (var path in new[] { fresh, old })
        {
            var request = new ExecRequest("main", ["sh", "-c", "printf '%s|%s|' \"$KUBETEST_JUNIT\" \"$TASK_KEY\"; test -d \"${KUBETEST_JUNIT%/*}\" && ! test -e \"$KUBETEST_JUNIT\" && echo ready"])
            {
                Environment = new Dictionary<string, string> { ["TASK_KEY"] = "k1 k2" },
                JUnitPath = path,
            };
            Assert.Equal(0, (await Pod(new ShPod(_workDir)).RunAsync(request, output, default)).ExitCode);
        }

        Assert.Equal([$"{fresh}|k1 k2|ready", $"{old}|k1 k2|ready"], output.Stdout);
    }

    [Fact]
    public async Task A_batchs_keys_are_written_verbatim_one_per_line_to_KUBETEST_KEYS_FILE_and_never_reach_the_command_as_arguments()
    {
        string[] keys = ["-n", "-e \\t", "%s%d %%", "back\\slash\\n", "it's \"quoted\"", "a b  c", "$(touch pwned)", "`id`", "$HOME", "zwölf €"];
        var path = Path.Combine(_workDir, "keys", "deeper", "0.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "an older batch's keys\n");
        var output = new Lines();
        var request = new ExecRequest("main", ["sh", "-c", "printf '%s|%s|%s\\n' \"$KUBETEST_KEYS_FILE\" \"$#\" \"$TASK_KEY\""])
        {
            Environment = new Dictionary<string, string> { ["TASK_KEY"] = string.Join(' ', keys) },
            JUnitPath = Path.Combine(_workDir, "junit", "0.xml"),
            KeysFile = new KeysFile(path, keys),
        };

        var outcome = await Pod(new ShPod(_workDir)).RunAsync(request, output, default);
        var bare = await Pod(new ShPod(_workDir)).RunAsync(request with { Command = ["echo", "args:$#"] }, output, default);

        Assert.Equal((0, 0), (outcome.ExitCode, bare.ExitCode));
        Assert.Equal([$"{path}|0|{string.Join(' ', keys)}", "args:0"], output.Stdout);
        Assert.Equal(string.Concat(keys.Select(k => k + "\n")), await File.ReadAllTextAsync(path));
        Assert.False(File.Exists(Path.Combine(_workDir, "pwned")));
    }

    [Fact]
    public async Task A_keys_file_that_cannot_be_written_fails_the_command_before_it_starts_and_says_why()
    {
        var blocker = Path.Combine(_workDir, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "");
        var output = new Lines();
        var request = new ExecRequest("main", ["echo", "ran"])
        {
            Environment = new Dictionary<string, string> { ["TASK_KEY"] = "k1" },
            KeysFile = new KeysFile(Path.Combine(blocker, "0.txt"), ["k1"]),
        };

        var outcome = await Pod(new ShPod(_workDir)).RunAsync(request, output, default);

        Assert.Equal(125, outcome.ExitCode);
        Assert.Empty(output.Stdout);
        Assert.Contains((OutputStream.Stderr, "kubetest: could not write the batch's keys to " + Path.Combine(blocker, "0.txt")), output.All);
    }

    [Fact]
    public async Task The_watchdogs_marker_is_taken_out_of_the_output_and_the_command_ends_timed_out()
    {
        var timeout = new KeyTimeout(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        var pod = new ScriptedPod((command, output, _) =>
        {
            output.WriteLine(OutputStream.Stderr, "before");
            output.WriteLine(OutputStream.Stdout, timeout.Marker);
            output.WriteLine(OutputStream.Stderr, timeout.Marker);
            return Task.FromResult(137);
        });
        var lines = new Lines();

        var outcome = await Pod(pod).RunAsync(new ExecRequest("main", ["make"]) { Timeout = timeout }, lines, default);

        Assert.Equal(new ExecOutcome(KeyTimeout.ExitCode, TimedOut: true), outcome);
        Assert.Equal([(OutputStream.Stderr, "before"), (OutputStream.Stdout, timeout.Marker)], lines.All);
        Assert.Equal(timeout.Wrap(["sh", "-c", "make"]), pod.Commands.Single());
    }

    [Fact]
    public async Task A_marker_of_another_run_is_output_like_any_line_and_the_exit_code_stands()
    {
        var timeout = new KeyTimeout(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        var forged = new KeyTimeout(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)).Marker;
        var pod = new ScriptedPod((_, output, _) =>
        {
            output.WriteLine(OutputStream.Stderr, forged);
            return Task.FromResult(0);
        });
        var lines = new Lines();

        var outcome = await Pod(pod).RunAsync(new ExecRequest("main", ["make"]) { Timeout = timeout }, lines, default);

        Assert.Equal(new ExecOutcome(0), outcome);
        Assert.Equal([(OutputStream.Stderr, forged)], lines.All);
    }

    [Fact]
    public async Task An_exec_the_watchdog_did_not_end_is_cancelled_after_the_grace_and_ends_timed_out_with_a_notice()
    {
        var timeout = new KeyTimeout(TimeSpan.Zero, TimeSpan.Zero);
        var pod = new ScriptedPod(async (_, _, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return 0;
        });

        var outcome = await Pod(pod).RunAsync(new ExecRequest("main", ["make"]) { Timeout = timeout }, new Lines(), default);

        Assert.True(outcome.TimedOut);
        Assert.Equal(KeyTimeout.ExitCode, outcome.ExitCode);
        Assert.Equal("the timeout's watchdog in container main did not end the key within 0s; kubetest cancelled its exec (on Kubernetes its processes may still run until the pod is deleted)", outcome.Notice);
    }

    [Fact]
    public async Task A_stopped_run_cancels_the_exec_and_is_no_timeout()
    {
        using var stop = new CancellationTokenSource();
        var pod = new ScriptedPod(async (_, _, token) =>
        {
            await stop.CancelAsync();
            await Task.Delay(Timeout.Infinite, token);
            return 0;
        });
        var request = new ExecRequest("main", ["make"]) { Timeout = new KeyTimeout(TimeSpan.FromHours(1), TimeSpan.FromHours(1)) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Pod(pod).RunAsync(request, new Lines(), stop.Token));
    }

    [Theory]
    [InlineData("X; touch pwned; Y")]
    [InlineData("1ABC")]
    [InlineData("")]
    [InlineData("A-B")]
    public async Task An_environment_name_the_shell_would_read_as_code_is_refused_naming_it_and_nothing_runs(string name)
    {
        var pod = new ScriptedPod((_, _, _) => Task.FromResult(0));
        var request = new ExecRequest("main", ["true"]) { Environment = new Dictionary<string, string> { [name] = "v", ["OK"] = "w" } };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Pod(pod).RunAsync(request, new Lines(), default));

        Assert.Contains("is not a valid environment variable name", error.Message, StringComparison.Ordinal);
        Assert.Empty(pod.Commands);
    }

    [Theory]
    [InlineData("junit.xml")]
    [InlineData("/tmp/kubetest-junit/")]
    [InlineData("/tmp/a\0b.xml")]
    public void A_JUnit_path_that_is_not_an_absolute_file_path_is_refused(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => new ExecRequest("main", ["true"]) { JUnitPath = path });

        Assert.StartsWith("a JUnit path must be an absolute file path", error.Message, StringComparison.Ordinal);
    }

    private static IPod Pod(IPod pod) => pod;

    /// <summary>Runs the argv with the host's /bin/sh in a directory, as a container's exec would.</summary>
    private sealed class ShPod(string workDir) : RawPod
    {
        public override async Task<int> ExecAsync(string container, IReadOnlyList<string> command, IOutputSink output, CancellationToken cancellationToken)
        {
            var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
            foreach (var argument in command.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            foreach (var line in (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                output.WriteLine(OutputStream.Stdout, line);
            }

            foreach (var line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                output.WriteLine(OutputStream.Stderr, line);
            }

            return process.ExitCode;
        }
    }

    /// <summary>Records each argv and answers as the test scripts it.</summary>
    private sealed class ScriptedPod(Func<IReadOnlyList<string>, IOutputSink, CancellationToken, Task<int>> exec) : RawPod
    {
        public ConcurrentQueue<IReadOnlyList<string>> Commands { get; } = new();

        public override Task<int> ExecAsync(string container, IReadOnlyList<string> command, IOutputSink output, CancellationToken cancellationToken)
        {
            Commands.Enqueue(command);
            return exec(command, output, cancellationToken);
        }
    }

    /// <summary>A pod with only the raw exec: every other member is never called here.</summary>
    private abstract class RawPod : IPod
    {
        public string Name => "pod";

        public abstract Task<int> ExecAsync(string container, IReadOnlyList<string> command, IOutputSink output, CancellationToken cancellationToken);

        public Task<IReadOnlyList<string>> CopyFromAsync(string container, string containerPath, string localPath, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task CopyToAsync(string container, string localPath, string containerPath, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Lines : IOutputSink
    {
        private readonly ConcurrentQueue<(OutputStream, string)> _lines = new();

        public IReadOnlyList<(OutputStream Stream, string Line)> All => [.. _lines];

        public IReadOnlyList<string> Stdout => [.. All.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Line)];

        public void WriteLine(OutputStream stream, string line) => _lines.Enqueue((stream, line));
    }
}

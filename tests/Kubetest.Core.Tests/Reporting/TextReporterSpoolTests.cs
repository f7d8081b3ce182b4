using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Reporting;

/// <summary>A key's output block waits on disk beyond about 1 MiB and still prints whole, in order, when the key ends.</summary>
public sealed class TextReporterSpoolTests : IDisposable
{
    private readonly string _spool = Directory.CreateTempSubdirectory("kubetest-spool-").FullName;

    public void Dispose() => Directory.Delete(_spool, recursive: true);

    [Fact]
    public void A_block_of_three_megabytes_is_spooled_to_a_file_while_the_key_runs_and_printed_whole_to_console_and_log_alike()
    {
        var console = new StringWriter();
        var log = new StringWriter();
        var reporter = new Observers(new TextReporter(console, LogLevel.Info, live: false, _spool), new TextReporter(log, LogLevel.Info, live: false, _spool));
        var other = Task("other");
        var big = Task("big");
        reporter.On(new TaskStarted(big, "sh -c big", "TASK_KEY", "big"));
        reporter.On(new TaskStarted(other, "sh -c other", "TASK_KEY", "other"));
        for (var i = 0; i < 30_000; i++)
        {
            reporter.On(new TaskOutput(big, OutputStream.Stdout, $"{i:D6} " + new string('x', 93)));
        }

        reporter.On(new TaskOutput(other, OutputStream.Stdout, "small\rwith a carriage return"));
        var spooledWhileRunning = Directory.GetFiles(_spool);
        reporter.On(new KeyFinished(other, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(1)), 1, 2));
        reporter.On(new KeyFinished(big, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(2)), 2, 2));

        Assert.Equal(2, spooledWhileRunning.Length);
        Assert.Empty(Directory.GetFiles(_spool));
        var lines = console.ToString().Split('\n');
        var first = Array.IndexOf(lines, "[TASK_KEY:big] sh -c big");
        Assert.True(first > 0, "the big block's header is missing");
        Assert.Equal(Enumerable.Range(0, 30_000).Select(i => $"{i:D6} " + new string('x', 93)), lines.Skip(first + 1).Take(30_000));
        Assert.Equal("small\rwith a carriage return", lines[Array.IndexOf(lines, "[TASK_KEY:other] sh -c other") + 1]);
        Assert.Equal(console.ToString(), log.ToString());
    }

    [Fact]
    public void A_small_block_stays_in_memory()
    {
        var reporter = new TextReporter(new StringWriter(), LogLevel.Info, live: false, _spool);
        var task = Task("small");
        reporter.On(new TaskStarted(task, "sh -c small", "TASK_KEY", "small"));
        for (var i = 0; i < 1000; i++)
        {
            reporter.On(new TaskOutput(task, OutputStream.Stdout, new string('y', 100)));
        }

        Assert.Empty(Directory.GetFiles(_spool));
    }

    private static readonly PlanStep Keys = new KeysStep(null!, null, "TASK_KEY", new Scheduler(0, 0, 0), null, null, null);

    private static TaskId Task(string key) => new(Keys, key, 1, "pod-1", "test0-0");
}

using System.Globalization;

namespace Kubetest.Reporting;

/// <summary>
/// Prints the run as the original does: <c>[LEVEL] …</c> lines, and each command's output as
/// one block when it ends (<c>[TASK_KEY:key] command</c>, the output, <c>elapsed time</c>,
/// <c>N/M (x%) finished.</c>), so concurrent keys never interleave. With <c>live</c>, lines are
/// printed as they come, prefixed by their key. The CLI prints the console with one; the engine
/// writes the run's log file (for <c>log</c> volumes) with another.
/// A block's lines beyond about 1 MiB wait in a file under <paramref name="spoolDirectory"/> (the
/// run's workspace), so memory does not grow with a key's output.
/// </summary>
public sealed class TextReporter(TextWriter console, LogLevel level, bool live, string spoolDirectory) : IRunObserver
{
    private readonly object _gate = new();
    private readonly Dictionary<TaskId, Block> _blocks = [];

    /// <summary>Keys whose latest run was stopped with the run (unknown, but they ran), for the summary.</summary>
    private readonly HashSet<string> _interrupted = new(StringComparer.Ordinal);

    public void On(RunEvent runEvent)
    {
        lock (_gate)
        {
            Handle(runEvent);
        }
    }

    private void Handle(RunEvent runEvent)
    {
        switch (runEvent)
        {
            case LogEvent log:
                Log(log.Level, log.Message);
                break;
            case StepStarted { Step.Announced: true } started:
                Log(LogLevel.Info, $"run {started.Step.Label}: {Printable.Escape(started.Step.Name)}");
                break;
            case KeysFound found:
                Log(LogLevel.Info, found.Dynamic
                    ? $"found {found.Count} dynamic keys to start distributed task."
                    : $"found {found.Count} static keys to start distributed task");
                break;
            case RetestStarted retest:
                Log(LogLevel.Info, $"retest {retest.Count} failed keys");
                break;
            case TaskStarted started:
                // Keys are escaped (a key holding "\n[INFO] …" must not forge a line); the report keeps them as they are.
                // A long batch reads as its label (BatchLabel): its whole list, once, only at debug level.
                var key = started.Label ?? Printable.Escape(started.Key ?? "");
                var header = started.KeyEnv is null ? started.DisplayCommand : $"[{started.KeyEnv}:{key}] {started.DisplayCommand}";
                _blocks[started.Task] = new Block(header, started.KeyEnv is null ? "" : $"[{started.KeyEnv}:{key}]", new OutputSpool(spoolDirectory), started.Label);
                if (level <= LogLevel.Debug && started is { Label: { } label, Key: { } keys } && label != Printable.Escape(keys))
                {
                    Log(LogLevel.Debug, $"[{started.KeyEnv}:{label}] holds: {Printable.Escape(keys)}");
                }

                if (live && level <= LogLevel.Info)
                {
                    Write(header);
                }

                break;
            case TaskOutput output when _blocks.TryGetValue(output.Task, out var block):
                if (live && level <= LogLevel.Info)
                {
                    Write(block.Prefix.Length > 0 ? $"{block.Prefix} {output.Line}" : output.Line);
                }
                else
                {
                    block.Lines.Add(output.Line);
                }

                break;
            case CommandFinished finished:
                Finish(finished.Task, finished.Result, null);
                break;
            case KeyFinished finished:
                Finish(finished.Task, finished.Result, finished);
                break;
            case RunFinished done:
                Summary(done.Report);
                break;
        }
    }

    /// <summary>Most keys a closing summary line names; the report has them all.</summary>
    internal const int MaxSummaryKeys = 100;

    /// <summary>
    /// The closing summary: counts, then the keys that failed and the flaky ones (escaped like every
    /// key on the console), so nobody has to read the JSON to learn which keys failed.
    /// </summary>
    private void Summary(Report report)
    {
        if (report.TotalNum == 0)
        {
            return;
        }

        var skipped = report.Details.Count(d => d.Status == KeyStatus.Unknown && d.Attempts == 0);
        var interrupted = report.Details.Count(d => d.Status == KeyStatus.Unknown && d.Attempts > 0 && _interrupted.Contains(d.Name));
        var unknownWhy = string.Join(", ", new[] { (interrupted, "interrupted"), (skipped, "skipped: never started") }.Where(c => c.Item1 > 0).Select(c => $"{c.Item1} {c.Item2}"));
        var counts = $"{report.TotalNum} keys: {report.SuccessNum} succeeded{(report.FlakyNum > 0 ? $" ({report.FlakyNum} flaky)" : "")}, {report.FailureNum} failed, {report.UnknownNum} unknown{(unknownWhy.Length > 0 ? $" ({unknownWhy})" : "")}";
        Log(report.FailureNum > 0 || report.UnknownNum > 0 ? LogLevel.Warn : LogLevel.Info, $"summary: {counts}");
        Names(LogLevel.Error, "failed keys", report.Details.Where(d => d.Status is KeyStatus.Failure or KeyStatus.Error));
        Names(LogLevel.Warn, "flaky keys (failed, then passed on a rerun)", report.Details.Where(d => d.Flaky));
    }

    private void Names(LogLevel messageLevel, string what, IEnumerable<ReportDetail> details)
    {
        var all = details.ToList();
        if (all.Count == 0)
        {
            return;
        }

        var shown = string.Join(", ", all.Take(MaxSummaryKeys).Select(d => Printable.Escape(d.Name)));
        var more = all.Count > MaxSummaryKeys ? $", and {all.Count - MaxSummaryKeys} more (see the report)" : "";
        Log(messageLevel, $"{what} ({all.Count}): {shown}{more}");
    }

    /// <summary>Ends a command's block (when it has one) and says how it ended; <paramref name="key"/> is set when a key finished.</summary>
    private void Finish(TaskId task, TaskResult result, KeyFinished? key)
    {
        _blocks.Remove(task, out var block);
        using var spool = block?.Lines;
        var failed = result.Status != KeyStatus.Success;
        var name = block?.Label ?? Printable.Escape(task.Name);
        if (key is not null && KeyTasks.KeyOf(task, task.Name) is { } ran)
        {
            if (result.Interrupted)
            {
                _interrupted.Add(ran);
            }
            else
            {
                _interrupted.Remove(ran);
            }
        }
        if (block is not null && (level <= LogLevel.Info || failed))
        {
            if (!live || level > LogLevel.Info)
            {
                Write(block.Header);
                WriteBlock(block.Lines.Lines());
                if (block.Lines.Count > 0)
                {
                    Write("");
                }
            }
        }

        if (result.Status is KeyStatus.Error or KeyStatus.Unknown && result.Message is not null)
        {
            Log(LogLevel.Error, result.Message);
        }
        else if (result is { Status: KeyStatus.Failure, ExitCode: null, Message: { } failedBy })
        {
            // Failed by what its batch's JUnit says, not by an exit code of its own.
            Log(LogLevel.Warn, $"{name}: failed: {failedBy}");
        }
        else if (result.Status == KeyStatus.Failure)
        {
            var why = result.Message is null ? "" : $"{result.Message}, ";
            Log(LogLevel.Warn, $"{name}: {why}exit code {result.ExitCode}");
        }

        var prefix = task.Step.Announced ? $"{Printable.Escape(task.Step.Name)}: " : "";
        Log(LogLevel.Info, $"{prefix}elapsed time: {result.Elapsed.TotalSeconds.ToString("F6", CultureInfo.InvariantCulture)} sec.");
        // A batch's own command has no count (its keys finish one by one after it, each with theirs).
        // A stopped key did not finish: no count for it.
        if (key is { Total: > 0 } && !result.Interrupted && (block is { Prefix.Length: > 0 } || (block is null && task.Step is Planning.KeysStep)))
        {
            var percent = (float)key.Finished / key.Total * 100;
            Log(LogLevel.Info, $"{key.Finished}/{key.Total} ({percent.ToString("F6", CultureInfo.InvariantCulture)}%) finished.");
        }
    }

    private void Log(LogLevel messageLevel, string message)
    {
        if (messageLevel >= level)
        {
            Write($"[{messageLevel.ToString().ToUpperInvariant()}] {message}");
        }
    }

    private void Write(string line)
    {
        console.WriteLine(line);
    }

    /// <summary>
    /// Writes a block's lines in batches of about 64 Ki characters: the console and the log flush on
    /// every write, and a key may print millions of lines.
    /// </summary>
    private void WriteBlock(IEnumerable<string> lines)
    {
        var batch = new System.Text.StringBuilder();
        foreach (var line in lines)
        {
            batch.Append(line).Append(console.NewLine);
            if (batch.Length >= 64 * 1024)
            {
                WriteBatch(batch);
            }
        }

        WriteBatch(batch);
    }

    private void WriteBatch(System.Text.StringBuilder batch)
    {
        if (batch.Length == 0)
        {
            return;
        }

        console.Write(batch);
        batch.Clear();
    }

    /// <summary>A command's buffered output; <see cref="Prefix"/> is <c>[ENV:key]</c> for strategy keys, <see cref="Label"/> a batch's label.</summary>
    private sealed record Block(string Header, string Prefix, OutputSpool Lines, string? Label);
}

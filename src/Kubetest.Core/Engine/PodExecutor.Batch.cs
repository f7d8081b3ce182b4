using System.Diagnostics;

namespace Kubetest.Engine;

/// <summary><c>strategy.batch</c>: one command for several keys, then one result per key.</summary>
internal sealed partial class PodExecutor
{
    /// <summary>Where a batch's command may write its JUnit XML in its container (<c>KUBETEST_JUNIT</c>): kubetest's own directory, a file per batch.</summary>
    public const string JUnitDirectory = "/tmp/kubetest-junit";

    private static string JUnitPath(KeyBatch batch) => $"{JUnitDirectory}/{batch.Keys[0].Index}.xml";

    /// <summary>Where a batch's keys are written in its container, one per line (<c>KUBETEST_KEYS_FILE</c>): a file per batch, written afresh before each of its commands.</summary>
    public const string KeysDirectory = "/tmp/kubetest-keys";

    private static KeysFile KeysFile(KeyBatch batch) => new($"{KeysDirectory}/{batch.Keys[0].Index}.txt", [.. batch.Keys.Select(k => k.Key)]);

    /// <summary>
    /// Runs a batch's command, then gives each of its keys a result (<see cref="BatchOutcome"/>): from the JUnit XML
    /// it wrote, else the batch's own when it passed. When the batch failed, the keys still without a result run
    /// again on the same worker (their next attempt, which does not use up <c>retest</c>), so the report names the
    /// key that fails: together first, as one more batch, when the file named a failed key (that key explains the
    /// failure, and the keys it does not name most likely passed: a runner writes no testcase for a module it
    /// skipped as a whole), and one by one for what is still undecided, or at once when nothing explains the
    /// failure. A batch's own command ends with a <see cref="CommandFinished"/>, each key with a
    /// <see cref="KeyFinished"/> of its own. False when the worker must stop (its pod broke).
    /// </summary>
    private async Task<bool> RunBatchAsync(IPod pod, TestJobTemplate template, TaskId id, BatchRun batch, IWorkResults results, CancellationToken cancellationToken)
    {
        // Each key's latest run (its attempt, and when the command it runs in started) and whether it has a result:
        // a stopped run gives every key without one its latest run as an attempt, unknown, saying how far it got.
        var runs = batch.Batch.Keys.ToDictionary(k => k, k => (Run: batch.RunOf(k), Start: Stopwatch.GetTimestamp()));
        var running = batch.Batch.Keys.ToHashSet();
        var ended = new HashSet<KeyId>();
        void Finished(KeyRun run, TaskResult result)
        {
            ended.Add(run.Key);
            results.KeyFinished(id with { Name = run.Key.Key, Attempt = run.Attempt }, run, result);
        }

        void Runs(IEnumerable<KeyRun> started)
        {
            running = [];
            foreach (var run in started)
            {
                running.Add(run.Key);
                runs[run.Key] = (run, Stopwatch.GetTimestamp());
            }
        }

        try
        {
            return await RunBatchAndRerunsAsync(pod, template, id, batch, Finished, Runs, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            foreach (var key in batch.Batch.Keys.Where(k => !ended.Contains(k)))
            {
                var (run, start) = runs[key];
                var why = running.Contains(key) ? StoppedWhileRunning : "the run was stopped before it ran again (its batch failed without telling its result)";
                results.KeyFinished(id with { Name = key.Key, Attempt = run.Attempt }, run, TaskResult.Stopped(Stopwatch.GetElapsedTime(start), why));
            }

            throw;
        }
    }

    /// <summary><see cref="RunBatchAsync"/>'s runs: the batch, then its undecided keys together, then alone; <paramref name="runs"/> is told which key runs each command starts.</summary>
    private async Task<bool> RunBatchAndRerunsAsync(
        IPod pod,
        TestJobTemplate template,
        TaskId id,
        BatchRun batch,
        Action<KeyRun, TaskResult> onFinished,
        Action<IEnumerable<KeyRun>> runs,
        CancellationToken cancellationToken)
    {
        var keyCount = batch.Batch.Keys.Count;
        var (undecided, why, broke) = await RunBatchCommandAsync(pod, template, id, batch, onFinished, cancellationToken).ConfigureAwait(false);
        if (broke is not null)
        {
            return false;
        }

        var last = batch;
        var explained = why is null;
        if (undecided.Count > 1 && explained)
        {
            observer.On(new LogEvent(LogLevel.Info, $"batch of {keyCount} keys failed and its JUnit XML names the keys that failed: the {undecided.Count} keys it does not name run again together"));
            // A subset of the batch in its order: fewer keys and delimiters, so its variable stays within BatchCutter.MaxVariableBytes too.
            var again = new BatchRun(batch.Batch.Subset(undecided), batch.Container, batch.Attempt + 1, RunsAfterBatch: 1);
            runs(again.Batch.Keys.Select(again.RunOf));
            (undecided, _, broke) = await RunBatchCommandAsync(pod, template, id with { Name = again.Batch.Text, Attempt = again.Attempt }, again, onFinished, cancellationToken).ConfigureAwait(false);
            if (broke is not null)
            {
                return false;
            }

            last = again;
        }

        if (undecided.Count > 0)
        {
            observer.On(new LogEvent(LogLevel.Info, $"batch of {keyCount} keys failed{(explained ? "" : $" {why}")}: {undecided.Count} of its keys run again one by one"));
        }

        var main = template.MainContainer.Container;
        foreach (var key in undecided)
        {
            if (broke is not null)
            {
                // Not run again: the key keeps what its last run could tell (nothing), as that run's attempt.
                onFinished(last.RunOf(key), broke);
                continue;
            }

            var single = new KeyRun(key, batch.Container, last.Attempt + 1, KeyInExec: true, RunsAfterBatch: last.Attempt + 1 - batch.Attempt);
            runs([single]);
            var singleId = id with { Name = key.Key, Attempt = single.Attempt };
            var own = await ExecAsync(pod, singleId, single, main, cancellationToken).ConfigureAwait(false);
            await CollectAsync(pod, template, single, cancellationToken).ConfigureAwait(false);
            onFinished(single, own);
            if (own.Status is KeyStatus.Error or KeyStatus.Unknown)
            {
                broke = own;
            }
        }

        if (broke is not null)
        {
            observer.On(new LogEvent(LogLevel.Warn, $"worker {batch.Container} of pod {pod.Name} takes no more keys: {broke.Message}"));
        }

        return broke is null;
    }

    /// <summary>
    /// Runs one batch command and records the result of each key it decides. Returns the keys left without a result
    /// (in batch order); why nothing explains the batch's failure, or null when a key the JUnit XML names as failed
    /// does (and the batch did not time out); and the command's result when it broke the worker (every key then gets
    /// that result).
    /// </summary>
    private async Task<(List<KeyId> Undecided, string? Why, TaskResult? Broke)> RunBatchCommandAsync(
        IPod pod, TestJobTemplate template, TaskId id, BatchRun batch, Action<KeyRun, TaskResult> onFinished, CancellationToken cancellationToken)
    {
        var main = template.MainContainer.Container;
        var keys = batch.Batch.Keys;
        var start = Stopwatch.GetTimestamp();
        TaskResult? result = null;
        string? junit;
        try
        {
            result = await ExecAsync(pod, id, batch, main, cancellationToken).ConfigureAwait(false);
            await CollectAsync(pod, template, main.Name, batch.Container, keys[0], cancellationToken).ConfigureAwait(false);
            junit = result.Status is KeyStatus.Success or KeyStatus.Failure ? await ReadJUnitAsync(pod, batch, cancellationToken).ConfigureAwait(false) : null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The command's own block (its output) still ends; its keys are given their results by RunBatchAsync.
            observer.On(new CommandFinished(id, result ?? TaskResult.Stopped(Stopwatch.GetElapsedTime(start), StoppedWhileRunning)));
            throw;
        }

        observer.On(new CommandFinished(id, result));

        if (result.Status is KeyStatus.Error or KeyStatus.Unknown)
        {
            foreach (var key in keys)
            {
                onFinished(batch.RunOf(key), result);
            }

            observer.On(new LogEvent(LogLevel.Warn, $"worker {batch.Container} of pod {pod.Name} takes no more keys: {result.Message}"));
            return ([], result.Message, result);
        }

        var outcomes = BatchOutcome.Resolve(keys, batch.Batch.Estimates, result, junit);
        var undecided = new List<KeyId>();
        for (var i = 0; i < keys.Count; i++)
        {
            if (outcomes[i] is { } outcome)
            {
                onFinished(batch.RunOf(keys[i]), outcome);
            }
            else
            {
                undecided.Add(keys[i]);
            }
        }

        // A failed key explains the batch's failure, but not a batch that ran past the key timeout: a key it leaves
        // undecided may be the one that hung, and together they would wait out the limit again.
        var why = timeout is not null && result.Message == timeout.Message ? $"({timeout.Message})"
            : junit is null ? "without JUnit XML"
            : !outcomes.Any(o => o?.Status == KeyStatus.Failure) ? "and its JUnit XML names no key that failed"
            : null;
        return (undecided, why, null);
    }

    /// <summary>Copies the batch's JUnit XML out of its container and removes it there; null when there is none, or with a warning when it cannot be read (<see cref="BatchJUnit"/>).</summary>
    private async Task<string?> ReadJUnitAsync(IPod pod, BatchRun batch, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("kubetest-junit-");
        try
        {
            var local = Path.Combine(directory.FullName, "junit.xml");
            try
            {
                await pod.CopyFromAsync(batch.Container, JUnitPath(batch.Batch), local, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PodFailedException)
            {
                observer.On(new LogEvent(LogLevel.Debug, $"{batch.Batch.Label}: no JUnit XML at {JUnitPath(batch.Batch)}: {ex.Message}"));
                return null;
            }

            // The file is read already; one left behind is harmless (each batch has a path of its own).
            try
            {
                await pod.RemoveAsync(batch.Container, JUnitPath(batch.Batch), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PodFailedException)
            {
                observer.On(new LogEvent(LogLevel.Debug, $"{batch.Batch.Label}: could not remove {JUnitPath(batch.Batch)}: {ex.Message}"));
            }

            var (xml, problem) = await BatchJUnit.ReadAsync(local, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                // As without a file (its keys pass with a passed batch, run again alone after a failed one), but said:
                // else a garbled file would pass a batch's keys without a word.
                var keys = batch.Batch.Keys.Count;
                observer.On(new LogEvent(LogLevel.Warn,
                    $"batch of {keys} keys starting with {BatchLabel.Key(batch.Batch.Keys[0].Key)}: its JUnit XML {JUnitPath(batch.Batch)} is not read: {problem} (its keys are decided as without one)"));
            }

            return xml;
        }
        finally
        {
            FileTree.Delete(directory.FullName);
        }
    }
}

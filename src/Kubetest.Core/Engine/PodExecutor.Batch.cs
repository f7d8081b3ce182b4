using System.Diagnostics;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Engine;

/// <summary><c>strategy.batch</c>: one command for several keys, then one result per key.</summary>
internal sealed partial class PodExecutor
{
    /// <summary>Where a batch's command may write its JUnit XML in its container (<c>KUBETEST_JUNIT</c>): kubetest's own directory, a file per batch.</summary>
    public const string JUnitDirectory = "/tmp/kubetest-junit";

    private static string JUnitPath(PodTask task) => $"{JUnitDirectory}/{task.Key!.Index}.xml";

    /// <summary>
    /// Runs a batch's command, then gives each of its keys a result (<see cref="BatchOutcome"/>): from the JUnit XML
    /// it wrote, else the batch's own when it passed. When the batch failed, the keys still without a result run
    /// again on the same worker (their next attempt, which does not use up <c>retest</c>), so the report names the
    /// key that fails: together first, as one more batch, when the file named a failed key (that key explains the
    /// failure, and the keys it does not name most likely passed: a runner writes no testcase for a module it
    /// skipped as a whole), and one by one for what is still undecided, or at once when nothing explains the
    /// failure. A batch's own command ends with a <see cref="TaskFinished"/> of no count (its output block), each
    /// key with one of its own. False when the worker must stop (its pod broke).
    /// </summary>
    private async Task<bool> RunBatchAsync(IPod pod, TestJobTemplate template, PodTask task, KeyBatch batch, Action<PodTask, TaskResult> onFinished, CancellationToken cancellationToken)
    {
        PodTask KeyTask(PlannedKey key, int attempt) =>
            new(task.Id with { Name = key.Key, Attempt = attempt }, task.Container, task.KeyEnv, key) { OnWorker = true, RunsAfterBatch = attempt - task.Id.Attempt };

        // Each key's latest run (its attempt, and when the command it runs in started) and whether it has a result:
        // a stopped run gives every key without one its latest run as an attempt, unknown, saying how far it got.
        var runs = batch.Keys.ToDictionary(k => k, _ => (Attempt: task.Id.Attempt, Start: Stopwatch.GetTimestamp()));
        var running = batch.Keys.ToHashSet();
        var ended = new HashSet<PlannedKey>();
        void Finished(PodTask keyTask, TaskResult result)
        {
            ended.Add(keyTask.Key!);
            onFinished(keyTask, result);
        }

        void Runs(IEnumerable<PlannedKey> keys, int attempt)
        {
            running = keys.ToHashSet();
            foreach (var key in running)
            {
                runs[key] = (attempt, Stopwatch.GetTimestamp());
            }
        }

        try
        {
            return await RunBatchAndRerunsAsync(pod, template, task, batch, KeyTask, Finished, Runs, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            foreach (var key in batch.Keys.Where(k => !ended.Contains(k)))
            {
                var (attempt, start) = runs[key];
                var why = running.Contains(key) ? StoppedWhileRunning : "the run was stopped before it ran again (its batch failed without telling its result)";
                onFinished(KeyTask(key, attempt), TaskResult.Stopped(Stopwatch.GetElapsedTime(start), why));
            }

            throw;
        }
    }

    /// <summary><see cref="RunBatchAsync"/>'s runs: the batch, then its undecided keys together, then alone; <paramref name="runs"/> is told which keys each command runs, as which attempt.</summary>
    private async Task<bool> RunBatchAndRerunsAsync(
        IPod pod,
        TestJobTemplate template,
        PodTask task,
        KeyBatch batch,
        Func<PlannedKey, int, PodTask> keyTask,
        Action<PodTask, TaskResult> onFinished,
        Action<IEnumerable<PlannedKey>, int> runs,
        CancellationToken cancellationToken)
    {
        var (undecided, why, broke) = await RunBatchCommandAsync(pod, template, task, batch, k => keyTask(k, task.Id.Attempt), onFinished, cancellationToken).ConfigureAwait(false);
        if (broke is not null)
        {
            return false;
        }

        var attempt = task.Id.Attempt;
        var explained = why is null;
        if (undecided.Count > 1 && explained)
        {
            observer.On(new LogEvent(LogLevel.Info, $"batch of {batch.Keys.Count} keys failed and its JUnit XML names the keys that failed: the {undecided.Count} keys it does not name run again together"));
            var again = batch.Subset(undecided);
            var againTask = new PodTask(task.Id with { Name = again.Text, Attempt = attempt + 1 }, task.Container, task.KeyEnv, undecided[0]) { OnWorker = true, Batch = again, RunsAfterBatch = 1 };
            runs(again.Keys, attempt + 1);
            (undecided, _, broke) = await RunBatchCommandAsync(pod, template, againTask, again, k => keyTask(k, attempt + 1), onFinished, cancellationToken).ConfigureAwait(false);
            if (broke is not null)
            {
                return false;
            }

            attempt++;
        }

        if (undecided.Count > 0)
        {
            observer.On(new LogEvent(LogLevel.Info, $"batch of {batch.Keys.Count} keys failed{(explained ? "" : $" {why}")}: {undecided.Count} of its keys run again one by one"));
        }

        var main = template.MainContainer.Container;
        foreach (var key in undecided)
        {
            var single = keyTask(key, attempt + 1);
            if (broke is not null)
            {
                // Not run again: the key keeps what its last run could tell (nothing), as that run's attempt.
                onFinished(keyTask(key, attempt), broke);
                continue;
            }

            runs([key], attempt + 1);
            var own = await ExecAsync(pod, single, main, cancellationToken).ConfigureAwait(false);
            await CollectAsync(pod, template, main.Name, task.Container, key, cancellationToken).ConfigureAwait(false);
            onFinished(single, own);
            if (own.Status is KeyStatus.Error or KeyStatus.Unknown)
            {
                broke = own;
            }
        }

        if (broke is not null)
        {
            observer.On(new LogEvent(LogLevel.Warn, $"worker {task.Container} of pod {pod.Name} takes no more keys: {broke.Message}"));
        }

        return broke is null;
    }

    /// <summary>
    /// Runs one batch command and records the result of each key it decides (as <paramref name="keyTask"/> of the
    /// key). Returns the keys left without a result (in batch order); why nothing explains the batch's failure, or
    /// null when a key the JUnit XML names as failed does (and the batch did not time out); and the command's result
    /// when it broke the worker (every key then gets that result).
    /// </summary>
    private async Task<(List<PlannedKey> Undecided, string? Why, TaskResult? Broke)> RunBatchCommandAsync(
        IPod pod, TestJobTemplate template, PodTask task, KeyBatch batch, Func<PlannedKey, PodTask> keyTask, Action<PodTask, TaskResult> onFinished, CancellationToken cancellationToken)
    {
        var main = template.MainContainer.Container;
        var start = Stopwatch.GetTimestamp();
        TaskResult? result = null;
        string? junit;
        try
        {
            result = await ExecAsync(pod, task, main, cancellationToken).ConfigureAwait(false);
            await CollectAsync(pod, template, main.Name, task.Container, task.Key!, cancellationToken).ConfigureAwait(false);
            junit = result.Status is KeyStatus.Success or KeyStatus.Failure ? await ReadJUnitAsync(pod, task, cancellationToken).ConfigureAwait(false) : null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The command's own block (its output) still ends; its keys are given their results by RunBatchAsync.
            observer.On(new TaskFinished(task.Id, result ?? TaskResult.Stopped(Stopwatch.GetElapsedTime(start), StoppedWhileRunning), 0, 0));
            throw;
        }

        observer.On(new TaskFinished(task.Id, result, 0, 0));

        if (result.Status is KeyStatus.Error or KeyStatus.Unknown)
        {
            foreach (var key in batch.Keys)
            {
                onFinished(keyTask(key), result);
            }

            observer.On(new LogEvent(LogLevel.Warn, $"worker {task.Container} of pod {pod.Name} takes no more keys: {result.Message}"));
            return ([], result.Message, result);
        }

        var outcomes = BatchOutcome.Resolve(batch.Keys, batch.Estimates, result, junit);
        var undecided = new List<PlannedKey>();
        for (var i = 0; i < batch.Keys.Count; i++)
        {
            if (outcomes[i] is { } outcome)
            {
                onFinished(keyTask(batch.Keys[i]), outcome);
            }
            else
            {
                undecided.Add(batch.Keys[i]);
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
    private async Task<string?> ReadJUnitAsync(IPod pod, PodTask task, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("kubetest-junit-");
        try
        {
            var local = Path.Combine(directory.FullName, "junit.xml");
            try
            {
                await pod.CopyFromAsync(task.Container, JUnitPath(task), local, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PodFailedException)
            {
                observer.On(new LogEvent(LogLevel.Debug, $"{Printable.Escape(task.Id.Name)}: no JUnit XML at {JUnitPath(task)}: {ex.Message}"));
                return null;
            }

            // The file is read already; one left behind is harmless (each batch has a path of its own).
            try
            {
                await pod.RemoveAsync(task.Container, JUnitPath(task), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PodFailedException)
            {
                observer.On(new LogEvent(LogLevel.Debug, $"{Printable.Escape(task.Id.Name)}: could not remove {JUnitPath(task)}: {ex.Message}"));
            }

            var (xml, problem) = await BatchJUnit.ReadAsync(local, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                // As without a file (its keys pass with a passed batch, run again alone after a failed one), but said:
                // else a garbled file would pass a batch's keys without a word.
                var keys = task.Batch?.Keys.Count ?? 1;
                observer.On(new LogEvent(LogLevel.Warn,
                    $"batch of {keys} keys starting with {Printable.Escape(task.Key!.Key)}: its JUnit XML {JUnitPath(task)} is not read: {problem} (its keys are decided as without one)"));
            }

            return xml;
        }
        finally
        {
            FileTree.Delete(directory.FullName);
        }
    }
}

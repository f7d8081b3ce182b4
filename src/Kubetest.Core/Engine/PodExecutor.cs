using System.Diagnostics;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Engine;

/// <summary>
/// One command to run in one held container of a pod. <paramref name="Key"/> is a strategy key's
/// identity (null for a step's single command); <paramref name="Stdout"/>, when given, keeps the
/// command's standard output as a value (the dynamic keys command).
/// </summary>
internal sealed record PodTask(TaskId Id, string Container, string? KeyEnv, PlannedKey? Key, OutputCapture? Stdout = null)
{
    /// <summary>
    /// <c>queue</c> mode: the container is a worker serving key after key, so the key reaches the command
    /// through the exec's environment (<see cref="ExecEnvironment"/>) instead of the container's, and its
    /// artifacts are kept in a directory of its own below the worker's and then cleared in the container.
    /// </summary>
    public bool OnWorker { get; init; }

    /// <summary><c>strategy.batch</c>: the keys this one command runs (<see cref="Key"/> is the first of them); null for one key.</summary>
    public KeyBatch? Batch { get; init; }

    /// <summary>
    /// How many of the key's runs so far, this one included, came after its batch failed without telling the key's
    /// result (with the batch's other undecided keys, then alone): extra attempts that are no retest. 0 otherwise.
    /// </summary>
    public int RunsAfterBatch { get; init; }
}

/// <summary>A batch's keys (each its own identity, taken by the same worker) and each one's expected seconds, in the same order; <see cref="Text"/> is what the key variable holds: the keys joined by <paramref name="Delimiter"/>.</summary>
internal sealed record KeyBatch(IReadOnlyList<PlannedKey> Keys, IReadOnlyList<double> Estimates, string Delimiter)
{
    public string Text { get; } = string.Join(Delimiter, Keys.Select(k => k.Key));

    /// <summary>Some of its keys (in their batch order) with their estimates: a batch to run again.</summary>
    public KeyBatch Subset(IEnumerable<PlannedKey> keys)
    {
        var kept = keys.ToHashSet();
        var indexes = Enumerable.Range(0, Keys.Count).Where(i => kept.Contains(Keys[i])).ToList();
        return new([.. indexes.Select(i => Keys[i])], [.. indexes.Select(i => Estimates[i])], Delimiter);
    }
}

/// <summary>
/// Runs one pod: starts it, runs its tasks with at most <c>maxConcurrent</c> at once (a freed
/// slot takes the next task at once), copies artifacts out, runs the finalizer container, and
/// deletes the pod whatever happens. <paramref name="podIndex"/> is the pod's index in a key step
/// (null for a step's single pod): a sidecar or finalizer has the same name in every pod, so its
/// artifacts are kept as <c>&lt;container&gt;&lt;podIndex&gt;</c> there, and no pod's copy replaces another's.
/// </summary>
/// <paramref name="timeout"/>, when given, limits each key's run (not a step's single command).
/// <paramref name="mayStart"/> is asked before each of a pod's own tasks starts: false (fail-fast) leaves the rest unstarted and without a result.
internal sealed partial class PodExecutor(IPodRuntime runtime, IRunObserver observer, ArtifactStore artifacts, int? podIndex = null, KeyTimeout? timeout = null, Func<PodTask, bool>? mayStart = null)
{
    private const string StoppedWhileRunning = "the run was stopped while it was running";

    public async Task RunAsync(
        PodRequest request,
        TestJobTemplate template,
        IReadOnlyList<PodTask> tasks,
        int maxConcurrent,
        Action<PodTask, TaskResult> onFinished,
        CancellationToken cancellationToken)
    {
        var queue = new Queue<PodTask>(tasks);
        PodTask? Next(IPod pod, int worker)
        {
            lock (queue)
            {
                while (queue.TryDequeue(out var task))
                {
                    task = task with { Id = task.Id with { Pod = pod.Name } };
                    if (mayStart is null || mayStart(task))
                    {
                        return task;
                    }
                }

                return null;
            }
        }

        var failure = await RunAsync(request, template, maxConcurrent, Next, tasks[0].Id, onFinished, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            // Whatever kept the pod from starting (the runtime's own errors included) ends its tasks, not the run.
            foreach (var task in tasks)
            {
                onFinished(task, failure);
            }
        }
    }

    /// <summary>
    /// Runs one pod whose <paramref name="workers"/> workers each ask <paramref name="next"/> for their next
    /// task (with the pod and the worker's index) until it has none: a pod's own keys in <c>static</c> mode,
    /// the run's shared queue in <c>queue</c> mode. In a shared queue a worker whose pod broke (a key ended
    /// as error or unknown) stops asking, so a dead pod cannot drain the queue. Returns the result for
    /// tasks no worker ran when the pod could not start, else null.
    /// </summary>
    public async Task<TaskResult?> RunAsync(
        PodRequest request,
        TestJobTemplate template,
        int workers,
        Func<IPod, int, PodTask?> next,
        TaskId finalizerId,
        Action<PodTask, TaskResult> onFinished,
        CancellationToken cancellationToken)
    {
        var podLog = new PodLogSink(observer, request.GenerateName);
        IPod pod;
        var started = Stopwatch.StartNew();
        try
        {
            pod = await runtime.StartPodAsync(request, podLog, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new TaskResult(KeyStatus.Error, null, started.Elapsed, $"pod {request.GenerateName}… could not start: {ex.Message}");
        }

        try
        {
            var main = template.MainContainer.Container;
            var running = Enumerable.Range(0, Math.Max(1, workers)).Select(async worker =>
            {
                // A stopped run hands out no more work: a task taken now would count as a run that never happened.
                while (!cancellationToken.IsCancellationRequested && next(pod, worker) is { } queued)
                {
                    var task = queued with { Id = queued.Id with { Slot = worker } };
                    if (task.Batch is { } batch)
                    {
                        if (!await RunBatchAsync(pod, template, task, batch, onFinished, cancellationToken).ConfigureAwait(false))
                        {
                            break;
                        }

                        continue;
                    }

                    var start = Stopwatch.GetTimestamp();
                    TaskResult? result = null;
                    try
                    {
                        result = await ExecAsync(pod, task, main, cancellationToken).ConfigureAwait(false);
                        if (task.OnWorker && task.Key is { } key)
                        {
                            await CollectAsync(pod, template, main.Name, task.Container, key, cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            await CollectAsync(pod, template, main.Name, task.Container, task.Container, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        // It started, so this run counts as an attempt (unknown) and says why it has no result.
                        onFinished(task, result ?? TaskResult.Stopped(Stopwatch.GetElapsedTime(start), StoppedWhileRunning));
                        throw;
                    }

                    onFinished(task, result);
                    if (task.OnWorker && result.Status is KeyStatus.Error or KeyStatus.Unknown)
                    {
                        observer.On(new LogEvent(LogLevel.Warn, $"worker {task.Container} of pod {pod.Name} takes no more keys: {result.Message}"));
                        break;
                    }
                }
            });
            await Task.WhenAll(running).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            await FinishPodAsync(pod, template, finalizerId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await DisposeAsync(pod).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>
    /// Deletes the pod. A failure here must not cost the run its report: it becomes a warning,
    /// and the runtime, which still knows the pod, tries again when it is disposed.
    /// </summary>
    private async Task DisposeAsync(IPod pod)
    {
        try
        {
            await pod.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            observer.On(new LogEvent(LogLevel.Warn, $"could not delete pod {pod.Name}: {ex.Message}; kubetest tries again before it exits"));
        }
    }

    private async Task<TaskResult> ExecAsync(IPod pod, PodTask task, k8s.Models.V1Container main, CancellationToken cancellationToken)
    {
        observer.On(new TaskStarted(task.Id, ShellCommand.Display(main), task.KeyEnv, task.Batch?.Text ?? task.Key?.Key));
        var watch = Stopwatch.StartNew();
        var limit = task.Key is null ? null : timeout;
        try
        {
            var request = new ExecRequest(task.Container, ShellCommand.Words(main)) { Timeout = limit };

            // A queue worker serves key after key: the key (or a batch of keys) travels in this exec's environment.
            if (task.OnWorker && task.KeyEnv is { } variable && (task.Batch?.Text ?? task.Key?.Key) is { } value)
            {
                request = request with
                {
                    Environment = new Dictionary<string, string>(StringComparer.Ordinal) { [variable] = value },
                    JUnitPath = task.Batch is null ? null : JUnitPath(task),
                };
            }

            var outcome = await pod.RunAsync(request, new TaskSink(observer, task.Id, task.Stdout), cancellationToken).ConfigureAwait(false);
            if (outcome.Notice is { } notice)
            {
                observer.On(new LogEvent(LogLevel.Warn, $"{Printable.Escape(task.Id.Name)}: {notice}"));
            }

            return outcome.TimedOut
                ? new TaskResult(KeyStatus.Failure, KeyTimeout.ExitCode, watch.Elapsed, limit!.Message)
                : new TaskResult(outcome.ExitCode == 0 ? KeyStatus.Success : KeyStatus.Failure, outcome.ExitCode, watch.Elapsed);
        }
        catch (PodFailedException ex) when (ex.CommandMayHaveRun && !cancellationToken.IsCancellationRequested)
        {
            return new TaskResult(KeyStatus.Unknown, null, watch.Elapsed, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new TaskResult(KeyStatus.Error, null, watch.Elapsed, $"could not run in container {task.Container} of pod {pod.Name}: {ex.Message}");
        }
    }

    /// <summary>
    /// Copies the artifacts of the template's <paramref name="templateContainer"/> out of the pod's
    /// <paramref name="container"/> into the store's <paramref name="storedAs"/> directory; a missing one is a warning.
    /// </summary>
    private async Task CollectAsync(IPod pod, TestJobTemplate template, string templateContainer, string container, string storedAs, CancellationToken cancellationToken)
    {
        foreach (var artifact in template.Spec.Artifacts.Where(a => a.ContainerName == templateContainer))
        {
            try
            {
                var local = artifacts.PathFor(artifact.Name, storedAs, artifact.Path);
                foreach (var warning in await pod.CopyFromAsync(container, artifact.Path, local, cancellationToken).ConfigureAwait(false))
                {
                    observer.On(new LogEvent(LogLevel.Warn, $"artifact {artifact.Name}: {warning}"));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PodFailedException)
            {
                observer.On(new LogEvent(LogLevel.Warn, $"artifact {artifact.Name}: could not copy {artifact.Path} from container {container}: {ex.Message}"));
            }
        }
    }

    /// <summary>
    /// <c>queue</c> mode: copies the main container's artifacts of <paramref name="key"/> out of its worker into
    /// the key's own directory below the worker's, then removes each artifact path in the worker, so the next
    /// key it serves starts without this key's files there and cannot have them collected as its own.
    /// </summary>
    private async Task CollectAsync(IPod pod, TestJobTemplate template, string templateContainer, string worker, PlannedKey key, CancellationToken cancellationToken)
    {
        var keyDirectory = KeysStep.KeyDirectory(key);
        foreach (var artifact in template.Spec.Artifacts.Where(a => a.ContainerName == templateContainer))
        {
            try
            {
                var local = artifacts.PathForKey(artifact.Name, worker, keyDirectory, artifact.Path);
                foreach (var warning in await pod.CopyFromAsync(worker, artifact.Path, local, cancellationToken).ConfigureAwait(false))
                {
                    observer.On(new LogEvent(LogLevel.Warn, $"artifact {artifact.Name}: {warning}"));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PodFailedException)
            {
                observer.On(new LogEvent(LogLevel.Warn, $"artifact {artifact.Name}: could not copy {artifact.Path} from container {worker}: {ex.Message}"));
            }

            try
            {
                if (!await pod.RemoveAsync(worker, artifact.Path, cancellationToken).ConfigureAwait(false))
                {
                    observer.On(new LogEvent(LogLevel.Warn, $"artifact {artifact.Name}: could not clear {artifact.Path} in container {worker}; the next key it serves may see what {Printable.Escape(key.Key)} left there"));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                observer.On(new LogEvent(LogLevel.Warn, $"artifact {artifact.Name}: could not clear {artifact.Path} in container {worker}: {ex.Message}"));
            }
        }
    }

    /// <summary>After the main containers: the finalizer container, then the artifacts of sidecars and the finalizer.</summary>
    private async Task FinishPodAsync(IPod pod, TestJobTemplate template, TaskId firstTask, CancellationToken cancellationToken)
    {
        if (template.Spec.FinalizerContainer is { } finalizer)
        {
            var container = finalizer.Container;
            var id = firstTask with { Name = container.Name, Container = container.Name };
            observer.On(new TaskStarted(id, ShellCommand.Display(container), null, null));
            var watch = Stopwatch.StartNew();
            try
            {
                var outcome = await pod.RunAsync(new ExecRequest(container.Name, ShellCommand.Words(container)), new TaskSink(observer, id, null), cancellationToken).ConfigureAwait(false);
                var exitCode = outcome.ExitCode;
                observer.On(new TaskFinished(id, new TaskResult(exitCode == 0 ? KeyStatus.Success : KeyStatus.Failure, exitCode, watch.Elapsed), 0, 0));
                if (exitCode != 0)
                {
                    observer.On(new LogEvent(LogLevel.Warn, $"finalizer container {container.Name} of pod {pod.Name} exited with code {exitCode}"));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                observer.On(new TaskFinished(id, new TaskResult(KeyStatus.Error, null, watch.Elapsed, $"finalizer container {container.Name} of pod {pod.Name} could not run: {ex.Message}"), 0, 0));
            }
        }

        foreach (var other in template.Sidecars.Select(s => s.Container.Name).Append(template.Spec.FinalizerContainer?.Container.Name))
        {
            if (other is not null)
            {
                await CollectAsync(pod, template, other, other, $"{other}{podIndex}", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Passes a command's lines on as its task's output; standard output also to <paramref name="stdout"/> when given.</summary>
    private sealed class TaskSink(IRunObserver observer, TaskId id, OutputCapture? stdout) : IOutputSink
    {
        public void WriteLine(OutputStream stream, string line)
        {
            if (stream == OutputStream.Stdout)
            {
                stdout?.Add(line);
            }

            observer.On(new TaskOutput(id, stream, line));
        }
    }

    private sealed class PodLogSink(IRunObserver observer, string pod) : IOutputSink
    {
        public void WriteLine(OutputStream stream, string line) => observer.On(new LogEvent(LogLevel.Debug, $"{pod}: {line}"));
    }
}

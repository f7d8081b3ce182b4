using System.Diagnostics;

namespace Kubetest.Engine;

/// <summary>Where a <see cref="PodExecutor"/> hands the results of what its workers ran.</summary>
internal interface IWorkResults
{
    /// <summary>A key has the result of one run (<paramref name="task"/> names the command when it ran alone).</summary>
    void KeyFinished(TaskId task, KeyRun run, TaskResult result);

    /// <summary>A step's command ended (or was stopped).</summary>
    void CommandFinished(TaskId task, StepCommand command, TaskResult result);
}

/// <summary>
/// Runs one pod: starts it, runs its workers (each asks for its next <see cref="Work"/> and runs it, so a freed
/// slot takes the next at once), copies artifacts out, runs the finalizer container, and deletes the pod whatever
/// happens. <paramref name="step"/> names every command's <see cref="TaskId"/>; <paramref name="keyEnv"/> is the
/// key variable of a key step (null for a step's single command). <paramref name="podIndex"/> is the pod's index in
/// a key step (null for a step's single pod): a sidecar or finalizer has the same name in every pod, so its
/// artifacts are kept as <c>&lt;container&gt;&lt;podIndex&gt;</c> there, and no pod's copy replaces another's.
/// <paramref name="timeout"/>, when given, limits each key's run (not a step's single command).
/// </summary>
internal sealed partial class PodExecutor(IPodRuntime runtime, IRunObserver observer, ArtifactStore artifacts, PlanStep step, string? keyEnv = null, int? podIndex = null, KeyTimeout? timeout = null)
{
    private const string StoppedWhileRunning = "the run was stopped while it was running";

    /// <summary>
    /// Runs one pod whose <paramref name="workers"/> workers each ask <paramref name="next"/> for their next work
    /// (with the pod and the worker's index) until it has none. A worker whose run broke the container it serves
    /// key after key (a key ended as error or unknown) stops asking, so a dead pod cannot drain a shared queue.
    /// Returns the result for the work no worker ran when the pod could not start, else null.
    /// </summary>
    public async Task<TaskResult?> RunAsync(
        PodRequest request,
        TestJobTemplate template,
        int workers,
        Func<IPod, int, Work?> next,
        IWorkResults results,
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
            var running = Enumerable.Range(0, Math.Max(1, workers)).Select(async worker =>
            {
                // A stopped run hands out no more work: work taken now would count as a run that never happened.
                while (!cancellationToken.IsCancellationRequested && next(pod, worker) is { } work)
                {
                    if (!await RunWorkAsync(pod, template, worker, work, results, cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }
                }
            });
            await Task.WhenAll(running).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            await FinishPodAsync(pod, template, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await DisposeAsync(pod).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>The command's identity in the events: the step, what it runs, the attempt, where it runs.</summary>
    private TaskId IdOf(Work work, IPod pod, int worker) => work switch
    {
        KeyRun key => new TaskId(step, key.Key.Key, key.Attempt, pod.Name, work.Container, worker),
        BatchRun batch => new TaskId(step, batch.Batch.Text, batch.Attempt, pod.Name, work.Container, worker),
        _ => new TaskId(step, step.Name, 1, pod.Name, work.Container, worker),
    };

    /// <summary>Runs one piece of work and hands its results on; false when the worker must stop (its container broke).</summary>
    private async Task<bool> RunWorkAsync(IPod pod, TestJobTemplate template, int worker, Work work, IWorkResults results, CancellationToken cancellationToken)
    {
        var id = IdOf(work, pod, worker);
        if (work is BatchRun batch)
        {
            return await RunBatchAsync(pod, template, id, batch, results, cancellationToken).ConfigureAwait(false);
        }

        var main = template.MainContainer.Container;
        var start = Stopwatch.GetTimestamp();
        TaskResult? result = null;
        try
        {
            result = await ExecAsync(pod, id, work, main, cancellationToken).ConfigureAwait(false);
            await CollectAsync(pod, template, work, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // It started, so this run counts as an attempt (unknown) and says why it has no result.
            Hand(results, id, work, result ?? TaskResult.Stopped(Stopwatch.GetElapsedTime(start), StoppedWhileRunning));
            throw;
        }

        Hand(results, id, work, result);
        if (work is KeyRun { KeyInExec: true } && result.Status is KeyStatus.Error or KeyStatus.Unknown)
        {
            observer.On(new LogEvent(LogLevel.Warn, $"worker {work.Container} of pod {pod.Name} takes no more keys: {result.Message}"));
            return false;
        }

        return true;
    }

    private static void Hand(IWorkResults results, TaskId id, Work work, TaskResult result)
    {
        switch (work)
        {
            case KeyRun key:
                results.KeyFinished(id, key, result);
                break;
            case StepCommand command:
                results.CommandFinished(id, command, result);
                break;
        }
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

    /// <summary>Runs the command of <paramref name="work"/> in its container and says how it ended; its output goes to the events under <paramref name="id"/>.</summary>
    private async Task<TaskResult> ExecAsync(IPod pod, TaskId id, Work work, k8s.Models.V1Container main, CancellationToken cancellationToken)
    {
        observer.On(new TaskStarted(id, ShellCommand.Display(main), work is StepCommand ? null : keyEnv, work switch { KeyRun k => k.Key.Key, BatchRun b => b.Batch.Text, _ => null }, (work as BatchRun)?.Batch.Label));
        var watch = Stopwatch.StartNew();
        var limit = work is StepCommand ? null : timeout;
        try
        {
            var request = new ExecRequest(work.Container, ShellCommand.Words(main)) { Timeout = limit };

            // A container that serves key after key gets the key (or a batch of keys) in this exec's environment.
            var value = work switch { BatchRun b => b.Batch.Text, KeyRun { KeyInExec: true } k => k.Key.Key, _ => null };
            if (keyEnv is { } variable && value is not null)
            {
                request = request with
                {
                    Environment = new Dictionary<string, string>(StringComparer.Ordinal) { [variable] = value },
                    JUnitPath = work is BatchRun batch ? JUnitPath(batch.Batch) : null,
                    KeysFile = work is BatchRun run ? KeysFile(run.Batch) : null,
                };
            }

            var outcome = await pod.RunAsync(request, new TaskSink(observer, id, (work as StepCommand)?.Stdout), cancellationToken).ConfigureAwait(false);
            if (outcome.Notice is { } notice)
            {
                observer.On(new LogEvent(LogLevel.Warn, $"{(work as BatchRun)?.Batch.Label ?? Printable.Escape(id.Name)}: {notice}"));
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
            return new TaskResult(KeyStatus.Error, null, watch.Elapsed, $"could not run in container {work.Container} of pod {pod.Name}: {ex.Message}");
        }
    }

    /// <summary>After a command: a key's artifacts (in its own directory when its container serves several keys), else the container's.</summary>
    private Task CollectAsync(IPod pod, TestJobTemplate template, Work work, CancellationToken cancellationToken)
    {
        var main = template.MainContainer.Container.Name;
        return work is KeyRun { KeyInExec: true, Key: var key }
            ? CollectAsync(pod, template, main, work.Container, key, cancellationToken)
            : CollectAsync(pod, template, main, work.Container, work.Container, cancellationToken);
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
    private async Task CollectAsync(IPod pod, TestJobTemplate template, string templateContainer, string worker, KeyId key, CancellationToken cancellationToken)
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
    private async Task FinishPodAsync(IPod pod, TestJobTemplate template, CancellationToken cancellationToken)
    {
        if (template.Spec.FinalizerContainer is { } finalizer)
        {
            var container = finalizer.Container;
            var id = new TaskId(step, container.Name, 1, pod.Name, container.Name);
            observer.On(new TaskStarted(id, ShellCommand.Display(container), null, null));
            var watch = Stopwatch.StartNew();
            try
            {
                var outcome = await pod.RunAsync(new ExecRequest(container.Name, ShellCommand.Words(container)), new TaskSink(observer, id, null), cancellationToken).ConfigureAwait(false);
                var exitCode = outcome.ExitCode;
                observer.On(new CommandFinished(id, new TaskResult(exitCode == 0 ? KeyStatus.Success : KeyStatus.Failure, exitCode, watch.Elapsed)));
                if (exitCode != 0)
                {
                    observer.On(new LogEvent(LogLevel.Warn, $"finalizer container {container.Name} of pod {pod.Name} exited with code {exitCode}"));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                observer.On(new CommandFinished(id, new TaskResult(KeyStatus.Error, null, watch.Elapsed, $"finalizer container {container.Name} of pod {pod.Name} could not run: {ex.Message}")));
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

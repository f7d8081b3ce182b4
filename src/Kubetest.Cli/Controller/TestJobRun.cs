using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Cli.Controller;

/// <summary>How one TestJob's run ended: the report, its JUnit XML, and whether it was stopped or left something behind.</summary>
/// <param name="FirstProblem">The first error the run reported (a forbidden call, a pod that could not start), for the status.</param>
/// <param name="FirstWarning">The first warning the run printed (a timing store it may not read, a Job it could not delete), for the status.</param>
internal sealed record RunOutcome(Report Report, string JUnit, bool Interrupted, bool BadInput, bool LeftBehind, string? FirstProblem = null, string? FirstWarning = null);

/// <summary>
/// Runs one TestJob resource with the CLI's engine on the kubernetes runtime, in its own namespace, with its own
/// workspace, runtime and timing store, exactly as <c>kubetest --runtime kubernetes</c> would; its lines go to the
/// controller's log with the TestJob as prefix, failed keys become Events.
/// </summary>
internal static class TestJobRun
{
    /// <summary>At most this many KeyFailed Events per run; the report holds every failed key.</summary>
    public const int MaxKeyEvents = 20;

    /// <param name="owner">The run's owner, stamped on its Jobs: its run id is <see cref="RunIds.For"/> of the TestJob, so a restarted controller finds them.</param>
    public static async Task<RunOutcome> ExecuteAsync(TestJobClient api, TestJobObject resource, TestJob job, RunSettings settings, RunOwner owner, ControllerLog log, CancellationToken cancellationToken)
    {
        var workspace = RunWorkspace.Create(Path.GetTempPath(), owner);
        try
        {
            var console = new TextReporter(log.ForRun(resource.Key), settings.LogLevel, live: false, workspace.Root);
            var junit = new JUnitCollector(TimeProvider.System);
            var keyEvents = new KeyFailureEvents(api, resource, log);
            var problems = new FirstProblem();
            var observers = new Observers(console, junit, keyEvents, problems);

            // Lines from outside the engine (the timing store, the runtime's cleanup): printed, and kept for the status.
            var lines = new Observers(console, problems);
            var options = new KubernetesRuntimeOptions(resource.Namespace, settings.PendingTimeout, JobLifecycle.For(owner, settings.MaxRunTime));
            var runtime = new KubernetesPodRuntime(api.Kubernetes, options, TimeProvider.System, message => lines.On(new LogEvent(LogLevel.Warn, message)));
            RunResult result;
            var leftBehind = false;
            try
            {
                var timings = settings.TimingStore && job.Spec.MainStep.Strategy is not null
                    ? new TimingStoreSession(new ConfigMapTimingStore(api.Kubernetes, resource.Namespace, resource.Name), TimeProvider.System)
                    : null;
                var durations = timings is null ? null : await timings.ReadAsync(lines, dryRun: false, cancellationToken).ConfigureAwait(false);
                var engine = new TestJobEngine(runtime, observers, TimeProvider.System, new KubernetesSecretSource(api.Kubernetes, resource.Namespace, TimeProvider.System));
                result = await engine.RunAsync(job, workspace, settings.ToRunOptions(durations), cancellationToken).ConfigureAwait(false);
                if (timings is not null && !result.Interrupted && !result.BadInput)
                {
                    await timings.SaveAsync(result.Report, lines, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                try
                {
                    await runtime.DisposeAsync().ConfigureAwait(false);
                    leftBehind = runtime is IRuntimeCleanup { LeftBehind.Count: > 0 };
                }
                catch (Exception ex)
                {
                    lines.On(new LogEvent(LogLevel.Warn, $"cleanup: the kubernetes runtime could not remove what it created: {ex.Message}; run: kubetest gc"));
                    leftBehind = true;
                }
            }

            var report = result.Report;
            var elapsed = (junit.FinishedAt ?? DateTimeOffset.UtcNow) - report.StartedAt;
            return new RunOutcome(report, JUnitReport.Write(report, job.Metadata.Name ?? resource.Name, elapsed, junit), result.Interrupted, result.BadInput, leftBehind, problems.Message, problems.Warning);
        }
        finally
        {
            if (workspace.TryDelete() is { } error)
            {
                log.Line(LogLevel.Warn, $"{resource.Key}: could not remove the run's directory {workspace.Root}: {error}");
            }
        }
    }

    /// <summary>One Warning Event per failed key attempt, the first <see cref="MaxKeyEvents"/>, then one saying the rest are in the report.</summary>
    private sealed class KeyFailureEvents(TestJobClient api, TestJobObject resource, ControllerLog log) : IRunObserver
    {
        private int _count;

        public void On(RunEvent runEvent)
        {
            if (runEvent is not KeyFinished { Result.Status: KeyStatus.Failure or KeyStatus.Error } finished)
            {
                return;
            }

            var count = Interlocked.Increment(ref _count);
            var message = count <= MaxKeyEvents
                ? $"key {finished.Task.Name} failed (attempt {finished.Task.Attempt}){(finished.Result.Message is { } why ? ": " + why : finished.Result.ExitCode is { } code ? $": exit code {code}" : string.Empty)}"
                : count == MaxKeyEvents + 1 ? $"more than {MaxKeyEvents} key attempts failed; the report ConfigMap lists every failed key" : null;
            if (message is not null)
            {
                _ = Events.RecordAsync(api, resource, "Warning", "KeyFailed", message, log);
            }
        }
    }

    /// <summary>The first error line of the run, else the reason of the first key that could not run; and its first warning.</summary>
    private sealed class FirstProblem : IRunObserver
    {
        private string? _error;
        private string? _key;
        private string? _warning;

        public string? Message => Volatile.Read(ref _error) ?? Volatile.Read(ref _key);

        public string? Warning => Volatile.Read(ref _warning);

        public void On(RunEvent runEvent)
        {
            switch (runEvent)
            {
                case LogEvent { Level: >= LogLevel.Error } log:
                    Interlocked.CompareExchange(ref _error, log.Message, null);
                    break;
                case LogEvent { Level: LogLevel.Warn } log:
                    Interlocked.CompareExchange(ref _warning, log.Message, null);
                    break;
                case KeyFinished { Result: { Status: KeyStatus.Error, Message: { } message } }:
                    Interlocked.CompareExchange(ref _key, message, null);
                    break;
            }
        }
    }
}

using System.Diagnostics;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Engine;

/// <summary>
/// One run's state while the engine executes its plan: the options, where events go, the key
/// results, and what the steps so far have decided (failed, keys found, the keys as planned).
/// </summary>
internal sealed class RunContext(TestJob job, RunOptions options, IRunObserver events, PodRequestBuilder pods, CancellationToken cancellationToken)
{
    public TestJob Job { get; } = job;

    public RunOptions Options { get; } = options;

    /// <summary>The caller's observer and the engine's own log file, together.</summary>
    public IRunObserver Events { get; } = events;

    public PodRequestBuilder Pods { get; } = pods;

    public CancellationToken Cancellation { get; } = cancellationToken;

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The run's token values, masked in every event (<see cref="Events"/> masks with it).</summary>
    public required SecretMask Mask { get; init; }

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public MainResults Results { get; } = new(job.Spec.MainStep.Strategy is null
        ? [job.Spec.MainStep.Template.MainContainer.Container.Name]
        : options.ListKeys ?? job.Spec.MainStep.Strategy.Key.Source.Static ?? []);

    /// <summary>A step failed: the steps before the keys stop, the later ones run only if the keys were reached.</summary>
    public bool Failed { get; set; }

    /// <summary>Set when the keys themselves are unusable (none found, a NUL): the run ends as bad input.</summary>
    public bool BadInput { get; set; }

    /// <summary>A postStep failed: the rest of the postSteps do not run (export still does).</summary>
    public bool PostStepFailed { get; set; }

    /// <summary>Keys printed by the dynamic key command, for the key step that follows it.</summary>
    public IReadOnlyList<string>? ListedKeys { get; set; }

    /// <summary>The key step as it ran (its keys planned), for the retest.</summary>
    public KeysStep? Keys { get; set; }

    /// <summary>The keys' time limit, with its watchdog's marker, once the key step starts; null for none.</summary>
    public KeyTimeout? Timeout { get; set; }

    private volatile bool _failFastStopped;

    /// <summary>Fail-fast: a key failed, so no new key starts (until a rerun shows it passes). Read by every pod's workers.</summary>
    public bool FailFastStopped
    {
        get => _failFastStopped;
        set => _failFastStopped = value;
    }

    /// <summary>
    /// Whether the steps after the keys run, decided once when the first of them is reached:
    /// when nothing failed up to there, or some key has a result.
    /// </summary>
    public bool? KeysReached { get; set; }

    public Report BuildReport(bool failed) =>
        Report.Build(StartedAt, Clock.Elapsed, Results.Details(), Job.Spec.Log.ExtParam, failed);
}

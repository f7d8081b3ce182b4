using System.Diagnostics;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;

namespace Kubetest.Engine;

/// <summary>
/// One run's state while the engine executes its plan, all of it: the options, its workspace and what the steps put
/// there (artifacts, checkouts, token files), where events go, the key results, and what the steps so far have decided
/// (failed, keys found, the keys as planned). The engine keeps none of it, so it can run several TestJobs at once.
/// </summary>
internal sealed class RunContext
{
    public RunContext(TestJob job, string testJobName, RunOptions options, RunWorkspace workspace, IRunObserver events, CancellationToken cancellationToken)
    {
        Job = job;
        Options = options;
        Workspace = workspace;
        Events = events;
        Cancellation = cancellationToken;
        Artifacts = new ArtifactStore(workspace.ArtifactsDirectory);
        Pods = new PodRequestBuilder(testJobName, LocalPathOf);
        Results = new(job.Spec.MainStep.Strategy is null
            ? [job.Spec.MainStep.Template.MainContainer.Container.Name]
            : options.ListKeys ?? job.Spec.MainStep.Strategy.Key.Source.Static ?? []);
    }

    public TestJob Job { get; }

    public RunOptions Options { get; }

    /// <summary>The run's own directory: its log, report, artifacts, checkouts and token files.</summary>
    public RunWorkspace Workspace { get; }

    /// <summary>The caller's observer and the engine's own log file, together.</summary>
    public IRunObserver Events { get; }

    public PodRequestBuilder Pods { get; }

    public ArtifactStore Artifacts { get; }

    /// <summary>Each repository's checkout (<c>repo</c> volumes), by name; filled by the checkout step.</summary>
    public Dictionary<string, string> Repositories { get; } = new(StringComparer.Ordinal);

    /// <summary>Each token's file of mode 0400 (<c>token</c> volumes), by name; filled by the checkout step.</summary>
    public Dictionary<string, string> TokenFiles { get; } = new(StringComparer.Ordinal);

    public CancellationToken Cancellation { get; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The run's token values, masked in every event (<see cref="Events"/> masks with it).</summary>
    public required SecretMask Mask { get; init; }

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public MainResults Results { get; }

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

    /// <summary>Where a kubetest volume's content is on this machine, for the pods that mount it.</summary>
    private string LocalPathOf(KubetestVolumeSource source)
    {
        switch (source)
        {
            case ArtifactVolumeSource artifact:
                return Artifacts.SinglePath(artifact.ArtifactName);
            case LogVolumeSource:
                return Workspace.LogPath;
            case ReportVolumeSource:
                return Workspace.ReportPath;
            case RepoVolumeSource repo when Repositories.TryGetValue(repo.RepoName, out var checkout):
                return checkout;
            case TokenVolumeSource token when TokenFiles.TryGetValue(token.TokenName, out var file):
                return file;
            default:
                throw new StepSetupException($"{source.GetType().Name} volumes are not supported by this version of kubetest yet");
        }
    }
}

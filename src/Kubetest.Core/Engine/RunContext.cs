using System.Diagnostics;

namespace Kubetest.Engine;

/// <summary>
/// One run's state while the engine executes its plan: the options, its workspace and what the steps put there
/// (artifacts, checkouts, token files), where events go, and the key results. What the steps so far produced and
/// decided (failed, the keys found, the key step as it ran) is the run's <see cref="StepFlow"/>. The engine keeps
/// none of it, so it can run several TestJobs at once.
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

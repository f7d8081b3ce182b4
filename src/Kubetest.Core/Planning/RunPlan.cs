using Kubetest.Engine;

namespace Kubetest.Planning;

/// <summary>
/// Everything a run does, in order, built once from the TestJob and the run options. The engine
/// executes its steps and nothing else decides their order; <c>--dry-run</c> prints it; reporters
/// take their labels from its steps. Adding a step kind: its record here and its place in
/// <see cref="Build"/>, how it runs (<c>Engine/TestJobEngine.cs</c>), how it is shown (<c>DryRun/DryRunRenderer.cs</c>).
/// </summary>
/// <param name="TestJobName">The TestJob's name, the prefix of pods without a name of their own.</param>
/// <param name="Steps">The steps in the order they run.</param>
public sealed record RunPlan(string TestJobName, IReadOnlyList<PlanStep> Steps)
{
    public static RunPlan Build(TestJob job, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        var steps = new List<PlanStep>();
        if (job.Spec.Repos.Count > 0 || job.Spec.Tokens.Count > 0)
        {
            steps.Add(new CheckoutStep(job.Spec.Tokens, job.Spec.Repos));
        }

        steps.AddRange(job.Spec.PreSteps.Select(s => new PodStep(s.Kind, s.Name, s.Template, s.TtlSecondsAfterFinished)));

        var main = job.Spec.MainStep;
        if (main.Strategy is not { } strategy)
        {
            steps.Add(new PodStep(StepKind.Main, main.Template.MainContainer.Container.Name, main.Template, main.TtlSecondsAfterFinished));
        }
        else
        {
            var dynamic = options.ListKeys is null ? strategy.Key.Source.Dynamic : null;
            if (dynamic is not null)
            {
                steps.Add(new KeyListingStep(dynamic));
            }

            var keys = new KeysStep(main.Template, main.TtlSecondsAfterFinished, strategy.Key.Env, strategy.Scheduler, options.Durations, null, null)
            {
                KeyTimeout = options.KeyTimeout ?? strategy.Key.Timeout,
                FailFast = options.FailFast || strategy.FailFast,
                Batch = strategy.Batch,
            };
            steps.Add(dynamic is null ? keys.WithKeys(options.ListKeys ?? strategy.Key.Source.Static ?? []) : keys);
            if (strategy.Reruns > 0)
            {
                steps.Add(new RetestStep(strategy.Reruns));
            }
        }

        if (job.Spec.PostSteps.Count > 0)
        {
            steps.Add(new ReportStep());
            steps.AddRange(job.Spec.PostSteps.Select(s => new PodStep(s.Kind, s.Name, s.Template, s.TtlSecondsAfterFinished)));
        }

        if (job.Spec.ExportArtifacts.Count > 0)
        {
            steps.Add(new ExportStep(job.Spec.ExportArtifacts));
        }

        return new RunPlan(job.Metadata.Name ?? "testjob", steps);
    }
}

/// <summary>
/// One step of a <see cref="RunPlan"/>. <see cref="Label"/> is how users read its kind
/// (<c>prestep</c>, <c>mainStep</c>, …), <see cref="Name"/> which one it is.
/// </summary>
public abstract record PlanStep(string Label, string Name)
{
    /// <summary>
    /// Whether it runs once the keys are over: these steps run when the keys were reached (keys ran,
    /// or nothing failed before them), even after some keys failed; the others only while nothing failed.
    /// </summary>
    public virtual bool AfterKeys => false;

    /// <summary>Whether its start is a line of its own (<c>run prestep: NAME</c>) and its task lines carry its name.</summary>
    public virtual bool Announced => false;
}

/// <summary>
/// Before anything runs: each token resolved (from its Secret, or a GitHub App installation) and
/// each repository checked out once on this machine; <c>repo</c> and <c>token</c> volumes then ship
/// them into the pods that mount them. A failure here is bad input: nothing has been created yet.
/// </summary>
public sealed record CheckoutStep(IReadOnlyList<TokenSpec> Tokens, IReadOnlyList<RepositorySpec> Repos) : PlanStep("checkout", "repos and tokens");

/// <summary>A pod that runs a template's main container once: a preStep, a postStep, or a main step without strategy.</summary>
public sealed record PodStep(StepKind Kind, string StepName, TestJobTemplate Template, int? TtlSecondsAfterFinished)
    : PlanStep(Kind switch { StepKind.PreStep => "prestep", StepKind.PostStep => "poststep", _ => "mainStep" }, StepName)
{
    public override bool AfterKeys => Kind == StepKind.PostStep;

    public override bool Announced => Kind is StepKind.PreStep or StepKind.PostStep;
}

/// <summary>
/// Runs the dynamic key template once; its standard output, split by the delimiter and filtered,
/// becomes the keys of the <see cref="KeysStep"/> that follows.
/// </summary>
public sealed record KeyListingStep(DynamicKeySource Source) : PlanStep("dynamic keys", "dynamic keys");

/// <summary>
/// The main step's keys over the pods of the plan. <see cref="Keys"/> and <see cref="Pods"/> are
/// null until the keys are known (after a <see cref="KeyListingStep"/>); <see cref="WithKeys"/>
/// expands it.
/// </summary>
public sealed record KeysStep(
    TestJobTemplate Template,
    int? TtlSecondsAfterFinished,
    string KeyEnv,
    Scheduler Scheduler,
    IReadOnlyDictionary<string, double>? Durations,
    IReadOnlyList<string>? Keys,
    IReadOnlyList<PlannedPod>? Pods) : PlanStep("mainStep", "keys")
{
    /// <summary>How long one run of a key may take (<c>--key-timeout</c>, else <c>strategy.key.timeout</c>); null for no limit.</summary>
    public TimeSpan? KeyTimeout { get; init; }

    /// <summary>After the first key that failed for good, no new key starts (<c>failFast</c>, <c>--fail-fast</c>).</summary>
    public bool FailFast { get; init; }

    /// <summary>
    /// <c>strategy.batch</c>: several keys in one command (<see cref="BatchCutter"/>), cut as queue workers ask, or in
    /// <c>static</c> mode per pod when the keys are planned (<see cref="StaticBatches"/>); null for one key per command.
    /// </summary>
    public Batch? Batch { get; init; }

    /// <summary>
    /// In <c>queue</c> mode (<see cref="Model.Scheduler.Mode"/>), the shared queue and the worker containers
    /// of each pod; <see cref="Pods"/> is then null. Null until the keys are known, and in <c>static</c> mode.
    /// </summary>
    public QueuePlan? Queue { get; init; }

    /// <summary>Whether keys are taken from one shared queue by worker containers (<c>scheduler.mode: queue</c>).</summary>
    public bool Queued => Scheduler.Mode == SchedulerMode.Queue;

    /// <summary>The step with its keys known and planned: each key's identity is fixed here for the rest of the run.</summary>
    public KeysStep WithKeys(IReadOnlyList<string> keys) => Queued
        ? this with { Keys = keys, Queue = QueuePlan.Build(keys, Scheduler, Durations, Batch is not null) }
        : this with { Keys = keys, Pods = Batch is { } batch ? StaticBatches.Cut(Planner.Plan(keys, Scheduler, Durations), batch, KeyEnv, Durations) : Planner.Plan(keys, Scheduler, Durations) };

    /// <summary>What the key variable holds for keys run in one command: the key, or a batch's keys joined by its delimiter.</summary>
    public string KeyText(IEnumerable<PlannedKey> keys) => string.Join(Batch?.Delimiter ?? " ", keys.Select(k => k.Key));

    /// <summary>
    /// The container that runs a key: <c>&lt;main&gt;&lt;pod&gt;-&lt;index&gt;</c>, also the key's export directory
    /// (in <c>queue</c> mode the worker that took it, with the key's own directory below it: <see cref="KeyDirectory"/>).
    /// </summary>
    public string ContainerOf(PlannedKey key) => WorkerName(key.PodIndex, key.ContainerIndex);

    /// <summary>The container <c>&lt;main&gt;&lt;pod&gt;-&lt;index&gt;</c>.</summary>
    public string WorkerName(int podIndex, int index) => $"{Template.MainContainer.Container.Name}{podIndex}-{index}";

    /// <summary>
    /// A key's own directory below its worker's in <c>queue</c> mode: its place in the run's keys and its name
    /// made safe for a file name (characters other than letters, digits, <c>.</c>, <c>_</c>, <c>-</c> as <c>_</c>,
    /// at most 60 of them), e.g. <c>3-test_foo.py</c>; unique thanks to the index.
    /// </summary>
    public static string KeyDirectory(KeyId key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var name = new string([.. key.Key.Take(60).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_')]);
        return $"{key.Index}-{name}";
    }
}

/// <summary>
/// Runs each key that failed in the <see cref="KeysStep"/> again, up to <paramref name="Reruns"/>
/// times, in the pod index and container it had. With fail-fast, the keys that did not start
/// because a key failed start once every failed key passed on a rerun.
/// </summary>
public sealed record RetestStep(int Reruns = 1) : PlanStep("retest", "retest");

/// <summary>Writes the report as it stands, for the <c>report</c> volumes of the postSteps.</summary>
public sealed record ReportStep() : PlanStep("report", "report")
{
    public override bool AfterKeys => true;
}

/// <summary>Copies the collected artifacts to the paths of <c>exportArtifacts</c>, in order.</summary>
public sealed record ExportStep(IReadOnlyList<ExportArtifact> Exports) : PlanStep("export", "exportArtifacts")
{
    public override bool AfterKeys => true;
}

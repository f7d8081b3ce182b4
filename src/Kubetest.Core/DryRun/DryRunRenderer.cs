using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;
using Kubetest.Engine;

namespace Kubetest.DryRun;

/// <summary>What <c>--dry-run</c> prints: the plan for people (stderr) and the Jobs a cluster run creates (stdout).</summary>
/// <param name="Plan">The steps in order; for each pod its keys with the command each runs, the image and volumes; expected times when durations are known.</param>
/// <param name="Objects">The batch/v1 Jobs as a YAML stream that <c>kubectl apply --dry-run=client -f -</c> accepts, each preceded by comments with its keys' commands.</param>
public sealed record DryRunOutput(string Plan, string Objects);

/// <summary>
/// <c>--dry-run</c>: prints a <see cref="RunPlan"/>. Nothing runs and nothing is created. The one
/// place that maps a step kind to what the dry run shows.
/// </summary>
public static class DryRunRenderer
{
    /// <param name="targetTime"><c>--target-time</c>: with known durations, the smallest pod count expected to finish within it is printed; null for none.</param>
    public static DryRunOutput Render(RunPlan plan, string @namespace, JobLifecycle lifecycle, RuntimeKind runtime, TimeSpan? targetTime)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(lifecycle);

        // Only the identity of a placed file's source shows in the Jobs (one entry of the pre-init's stream per source), not its local path.
        var builder = new PodRequestBuilder(plan.TestJobName, source => $"/{source}");
        var context = new Context(builder, @namespace, lifecycle, new StringBuilder(), new StringBuilder()) { TargetTime = targetTime };
        var text = context.Plan;
        text.Append(CultureInfo.InvariantCulture, $"dry run of {E(plan.TestJobName)}: nothing runs and nothing is created; the Jobs a run creates are printed on stdout\n");
        if (runtime != RuntimeKind.Kubernetes)
        {
            text.Append(CultureInfo.InvariantCulture, $"runtime {runtime.Name()}: the Jobs on stdout are what a cluster run (--runtime kubernetes) would create; the {runtime.Name()} runtime runs the same pods and commands on this machine\n");
        }

        context.Queued = plan.Steps.OfType<KeysStep>().Any(k => k.Queued);
        context.StaticBatched = plan.Steps.OfType<KeysStep>().Any(k => !k.Queued && k.Batch is not null);
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{i + 1}. ");
            Step(plan.Steps[i], context);
        }

        return new DryRunOutput(text.ToString(), context.Objects.ToString());
    }

    private sealed record Context(PodRequestBuilder Builder, string Namespace, JobLifecycle Lifecycle, StringBuilder Plan, StringBuilder Objects)
    {
        public int JobCount { get; set; }

        /// <summary>The key step is in <c>queue</c> mode (the retest and export say how that shows).</summary>
        public bool Queued { get; set; }

        /// <summary>The key step runs <c>static</c> batches: a container serves its batch's keys, artifacts in a directory per key.</summary>
        public bool StaticBatched { get; set; }

        /// <summary><c>--target-time</c>, or null.</summary>
        public TimeSpan? TargetTime { get; init; }
    }

    private static void Step(PlanStep step, Context context)
    {
        var text = context.Plan;
        switch (step)
        {
            case CheckoutStep checkout:
                Checkout(text, checkout);
                break;
            case PodStep pod:
                text.Append(CultureInfo.InvariantCulture, $"{pod.Label} {E(pod.Name)}\n");
                Pod(context, pod.Label + (pod.Kind == StepKind.Main ? "" : " " + pod.Name), "", pod.Template, context.Builder.ForStep(pod.Template, pod.TtlSecondsAfterFinished), null);
                break;
            case KeyListingStep listing:
                text.Append(CultureInfo.InvariantCulture, $"dynamic keys: the keys are this command's stdout, split by {Quote(listing.Source.Delimiter)}{(listing.Source.Filter is { } filter ? $" and filtered by {Quote(filter)}" : "")}; they are known only at run time (give them with --list FILE to see their pods)\n");
                Pod(context, "dynamic keys", "", listing.Source.Template, context.Builder.ForStep(listing.Source.Template, listing.Source.TtlSecondsAfterFinished), null);
                break;
            case KeysStep { Keys: null, Queued: true } keys:
                text.Append(CultureInfo.InvariantCulture, $"mainStep: queue mode: worker containers take the keys from one shared queue at run time, ${E(keys.KeyEnv)} set to the key in each exec's environment; pods are planned once the keys are known\n");
                KeyLimits(text, keys);
                Command(text, "   ", keys.Template.MainContainer.Container, $"[{E(keys.KeyEnv)}:<key>] ");
                UnknownKeysSizing(text, context);
                break;
            case KeysStep { Keys: null } keys:
                text.Append(CultureInfo.InvariantCulture, $"mainStep: {(keys.Batch is null ? "each key runs in a container of its own" : "each pod's keys are cut into batches, each batch one command in a container of its own")}, ${E(keys.KeyEnv)} set to the key{(keys.Batch is null ? "" : "s")}; pods are planned once the keys are known\n");
                KeyLimits(text, keys);
                Command(text, "   ", keys.Template.MainContainer.Container, $"[{E(keys.KeyEnv)}:<key>] ");
                UnknownKeysSizing(text, context);
                break;
            case KeysStep { Queue: { } queue } keys:
                Queue(keys, queue, context);
                break;
            case KeysStep keys:
                Keys(keys, context);
                break;
            case RetestStep { Reruns: 1 } when context.Queued:
                text.Append("retest: each key that failed runs once more, taken from a new shared queue of the failed keys by worker containers\n");
                break;
            case RetestStep retest when context.Queued:
                text.Append(CultureInfo.InvariantCulture, $"retest: each key that failed runs again until it passes, at most {retest.Reruns} more times, taken from a new shared queue of the failed keys by worker containers; a key that passes on a rerun is reported flaky\n");
                break;
            case RetestStep { Reruns: 1 }:
                text.Append(CultureInfo.InvariantCulture, $"retest: each key that failed runs once more, in the same pod index and container it had{(context.StaticBatched ? " (alone: a rerun is never batched)" : "")}\n");
                break;
            case RetestStep retest:
                text.Append(CultureInfo.InvariantCulture, $"retest: each key that failed runs again until it passes, at most {retest.Reruns} more times, in the same pod index and container it had{(context.StaticBatched ? " (alone: a rerun is never batched)" : "")}; a key that passes on a rerun is reported flaky\n");
                break;
            case ReportStep:
                text.Append("report: the report so far is written for the postSteps' report volumes\n");
                break;
            case ExportStep export:
                text.Append("exportArtifacts:\n");
                foreach (var artifact in export.Exports)
                {
                    var below = context.Queued ? "<worker container>/<key index>-<key>/..." : context.StaticBatched ? "<container>/<key index>-<key>/..." : "<container>/...";
                    text.Append(CultureInfo.InvariantCulture, $"   {E(artifact.Name)} -> {E(artifact.Path)}/{below}\n");
                }

                break;
            default:
                throw new InvalidOperationException($"the dry run has no way to show a {step.GetType().Name}");
        }
    }

    private static void Checkout(StringBuilder text, CheckoutStep step)
    {
        text.Append("checkout: once, on this machine, before any pod; repo and token volumes ship the results into the containers that mount them\n");
        foreach (var token in step.Tokens)
        {
            var source = token.Value switch
            {
                { GitHubApp: { } app } => $"an installation token of GitHub App {app.AppId} ({(app.InstallationId is { } id ? $"installation {id}" : $"organization {E(app.Organization)}")}), signed with the key in secret {E(app.KeyFile?.Name)}, key {E(app.KeyFile?.Key)}",
                { GitHubToken: { } secret } => $"secret {E(secret.Name)}, key {E(secret.Key)}",
                { FilePath: { } path } => $"the file {E(path)}",
                _ => "?",
            };
            text.Append(CultureInfo.InvariantCulture, $"   token {E(token.Name)}: {source}\n");
        }

        foreach (var repo in step.Repos)
        {
            var value = repo.Value;
            var what = value.Rev is { } rev ? $"revision {E(rev)}" : value.Branch is { } branch ? $"branch {E(branch)}" : "the default branch";
            var merge = value.MergeBase is { } mergeBase ? $", with base branch {E(mergeBase)} merged in" : "";
            var token = value.Token is { } name ? $", with token {E(name)}" : "";
            var path = value.ClonedPath is { } cloned ? $", in {E(cloned)} (reused when it is a checkout already)" : "";
            text.Append(CultureInfo.InvariantCulture, $"   repository {E(repo.Name)}: {Repositories.GitUrl.Display(value.Url)}, {what}{merge}{token}{path}\n");
        }
    }

    private static void Keys(KeysStep step, Context context)
    {
        var text = context.Plan;
        var pods = step.Pods!;
        var keyCount = pods.Sum(p => p.Keys.Count);
        var slots = pods.Sum(p => p.MaxConcurrent);
        var what = step.Batch is { } batch
            ? $"each pod's keys are cut into batches when the run is planned; each batch runs as one command in a container of its own, ${E(step.KeyEnv)} set to its keys joined by \"{E(batch.Delimiter)}\""
            : $"each key runs in a container of its own, ${E(step.KeyEnv)} set to the key";
        text.Append(CultureInfo.InvariantCulture, $"mainStep: {Count(keyCount, "key")} over {Count(pods.Count, "pod")}, {slots} at once in all; {what}\n");
        KeyLimits(text, step);
        if (step.Batch is { } limits)
        {
            text.Append(CultureInfo.InvariantCulture, $"   batches: {BatchLimits(step, limits)}, each at most a slot's share of its pod's work left, cut per pod in its planned order; ${ExecEnvironment.KeysFileVariable} names a file with a batch's keys one per line, ${ExecEnvironment.JUnitVariable} a path for its JUnit XML (a failed batch's keys it does not decide run again in its container: together first when it names a failed key, else one by one)\n");
            if (pods.Any(pod => CutByBytes(step, limits, StaticBatches.Containers(pod))))
            {
                BytesNotice(text, step);
            }
        }

        var estimate = step.Durations is { Count: > 0 } durations ? Planner.Estimator(durations, pods.SelectMany(p => p.Keys).Select(k => k.Key)) : null;
        foreach (var pod in pods)
        {
            var busy = estimate is null ? "" : $", expected busy time {Seconds(Planner.BusyTime(pod, estimate))}";
            var containers = StaticBatches.Containers(pod);
            var batches = step.Batch is null ? "" : containers.Count == 1 ? " in 1 batch" : $" in {containers.Count} batches";
            var header = $"pod {pod.PodIndex}: {Count(pod.Keys.Count, "key")}{batches}, at most {pod.MaxConcurrent} at once{busy}";
            var request = context.Builder.ForKeys(step, pod);
            Pod(context, "mainStep " + header, header + ", ", step.Template, request, containers.Select(keys => (step.ContainerOf(keys[0]), $"[{E(step.KeyEnv)}:{BatchLabel.Of([.. keys.Select(k => k.Key)], step.Batch?.Delimiter ?? " ")}] ")).ToList());
        }

        if (estimate is not null && keyCount > 0)
        {
            var all = pods.SelectMany(p => p.Keys).Select(k => estimate(k.Key)).ToList();
            var makespan = pods.Max(p => Planner.BusyTime(p, estimate));
            var bound = Math.Max(all.Sum() / slots, all.Max());
            var ratio = bound > 0 ? $" ({(makespan / bound).ToString("F2", CultureInfo.InvariantCulture)} x)" : "";
            text.Append(CultureInfo.InvariantCulture, $"   expected makespan {Seconds(makespan)}{ratio}, lower bound {Seconds(bound)} = max(total {Seconds(all.Sum())} / {slots} slots, longest key {Seconds(all.Max())}); from past durations (--timings or the timing store), a key without one counts as their median\n");
            Sizing(text, step, pods.Count, context.TargetTime);
        }
        else
        {
            NoDurationsSizing(text, context);
        }
    }

    /// <summary><c>queue</c> mode: each pod's worker containers; the keys are taken from the queue at run time.</summary>
    private static void Queue(KeysStep step, QueuePlan queue, Context context)
    {
        var text = context.Plan;
        var order = step.Durations is { Count: > 0 } ? "longest first by past durations (--timings or the timing store; a key without one counts as their median)" : "in the keys' own order";
        text.Append(CultureInfo.InvariantCulture, $"mainStep: queue mode: {Count(queue.Order.Count, "key")} over {Count(queue.Workers.Count, "pod")}, {Count(queue.WorkerCount, "worker container")} in all; every free worker of any pod takes the next key from one shared queue at run time, {order}, ${E(step.KeyEnv)} set to the key in the exec's environment; a worker serves key after key, its artifact paths cleared between keys\n");
        KeyLimits(text, step);
        for (var podIndex = 0; podIndex < queue.Workers.Count; podIndex++)
        {
            var workers = queue.Workers[podIndex];
            var header = $"pod {podIndex}: {Count(workers, "worker container")}";
            var request = context.Builder.ForWorkers(step, podIndex, workers);
            Pod(context, "mainStep " + header, header + ", ", step.Template, request, Enumerable.Range(0, workers).Select(w => (step.WorkerName(podIndex, w), $"[{E(step.KeyEnv)}:<next key from the queue>] ")).ToList());
        }

        text.Append("   keys in queue order: ").AppendJoin(", ", queue.Order.Take(20).Select(k => E(k.Key))).Append(queue.Order.Count > 20 ? $", … ({queue.Order.Count - 20} more)\n" : "\n");
        if (step.Batch is { } batch)
        {
            Batches(text, step, queue, batch);
        }

        if (step.Durations is { Count: > 0 } durations && queue.Order.Count > 0)
        {
            var estimate = Planner.Estimator(durations, queue.Order.Select(k => k.Key));
            var all = queue.Order.Select(k => estimate(k.Key)).ToList();
            var makespan = queue.Makespan(estimate);
            var bound = Math.Max(all.Sum() / queue.WorkerCount, all.Max());
            var ratio = bound > 0 ? $" ({(makespan / bound).ToString("F2", CultureInfo.InvariantCulture)} x)" : "";
            text.Append(CultureInfo.InvariantCulture, $"   expected makespan {Seconds(makespan)}{ratio}, lower bound {Seconds(bound)} = max(total {Seconds(all.Sum())} / {queue.WorkerCount} workers, longest key {Seconds(all.Max())}); from past durations (--timings or the timing store), a key without one counts as their median\n");
            Sizing(text, step, queue.Workers.Count, context.TargetTime);
        }
        else
        {
            NoDurationsSizing(text, context);
        }
    }

    /// <summary>The fleet sizing table (<see cref="FleetSizing"/>) and the answer to <c>--target-time</c>.</summary>
    private static void Sizing(StringBuilder text, KeysStep step, int planned, TimeSpan? targetTime)
    {
        var slots = step.Scheduler.MaxConcurrentNumPerPod > 0 ? $"{Count(step.Scheduler.MaxConcurrentNumPerPod, "slot")} per pod" : "every key of a pod at once";
        text.Append(CultureInfo.InvariantCulture, $"   fleet sizing: expected makespan by pod count, {slots} as planned, start-up costs left out:\n");
        foreach (var row in FleetSizing.Table(step, planned))
        {
            text.Append(CultureInfo.InvariantCulture, $"     {Count(row.Pods, "pod"),-10} {Seconds(row.Makespan)}{(row.Planned ? "  <- planned" : "")}\n");
        }

        if (targetTime is { } target)
        {
            var answer = FleetSizing.Smallest(step, target.TotalSeconds);
            var wanted = GoDuration.Format(target);
            var line = answer.Pods is { } pods
                ? $"{Count(pods, "pod")} (expected makespan {Seconds(answer.Makespan)}; planned: {planned})"
                : $"not reached: even {Count(Math.Min(step.Keys!.Count, FleetSizing.MaxPods), "pod")} take {Seconds(answer.Makespan)} (the longest key alone takes {Seconds(answer.LongestKey)})";
            text.Append(CultureInfo.InvariantCulture, $"   --target-time {wanted}: {line}\n");
        }
    }

    /// <summary>No past durations (the timing store holds none yet): nothing to size by.</summary>
    private static void NoDurationsSizing(StringBuilder text, Context context)
    {
        if (context.TargetTime is { } target)
        {
            text.Append(CultureInfo.InvariantCulture, $"   --target-time {GoDuration.Format(target)}: no past durations are known (none from --timings or the timing store), so the fleet cannot be sized yet\n");
        }
    }

    /// <summary>Keys known only at run time: nothing to size yet.</summary>
    private static void UnknownKeysSizing(StringBuilder text, Context context)
    {
        if (context.TargetTime is { } target)
        {
            text.Append(CultureInfo.InvariantCulture, $"   --target-time {GoDuration.Format(target)}: the keys are known only at run time; give them with --list FILE to size the fleet\n");
        }
    }

    /// <summary>Whether a pod's batches (its containers in order) were cut short of their key limit by the key variable's byte bound.</summary>
    private static bool CutByBytes(KeysStep step, Batch batch, IReadOnlyList<IReadOnlyList<PlannedKey>> containers)
    {
        for (var i = 0; i + 1 < containers.Count; i++)
        {
            var keys = containers[i].Select(k => k.Key);
            if (containers[i].Count < (batch.MaxKeys ?? int.MaxValue)
                && BatchCutter.VariableBytes(step.KeyEnv, keys.Append(containers[i + 1][0].Key), batch.Delimiter) > BatchCutter.MaxVariableBytes)
            {
                return true;
            }
        }

        return false;
    }

    private static void BytesNotice(StringBuilder text, KeysStep step) =>
        text.Append(CultureInfo.InvariantCulture, $"   batches are also cut to keep ${E(step.KeyEnv)} under {BatchCutter.MaxVariableBytes / 1024} KiB (the kernel's {BatchCutter.KernelVariableBytes / 1024} KiB limit per variable)\n");

    /// <summary><c>strategy.batch</c>: the limits, and the batches workers would take in turn.</summary>
    private static void Batches(StringBuilder text, KeysStep step, QueuePlan queue, Batch batch)
    {
        var cutter = new BatchCutter(queue.Order, batch, step.KeyEnv, queue.WorkerCount, step.Durations);
        var batches = cutter.All();
        text.Append(CultureInfo.InvariantCulture, $"   batches: {BatchLimits(step, batch)}, each at most a worker's share of the work left, cut from the queue's head as workers ask; ${E(step.KeyEnv)} holds a batch's keys joined by \"{E(batch.Delimiter)}\", ${ExecEnvironment.KeysFileVariable} names a file with them one per line, ${ExecEnvironment.JUnitVariable} a path for its JUnit XML (a failed batch's keys it does not decide run again: together first when it names a failed key, else one by one)\n");
        if (cutter.AnyCutByBytes())
        {
            BytesNotice(text, step);
        }

        text.Append(CultureInfo.InvariantCulture, $"   {batches.Count} batch{(batches.Count == 1 ? "" : "es")} if workers take them in turn: ")
            .AppendJoin(", ", batches.Take(10).Select(b => BatchText(step, batch, b)))
            .Append(batches.Count > 10 ? $", … ({batches.Count - 10} more)\n" : "\n");
    }

    /// <summary>A batch as the plan shows it: its keys, or past <see cref="ShownBatchKeys"/> the first and last ones with its size; each key cut as a run's batch label cuts it.</summary>
    private static string BatchText(KeysStep step, Batch batch, IReadOnlyList<KeyId> keys)
    {
        if (keys.Count <= ShownBatchKeys)
        {
            return "[" + string.Join(" ", keys.Select(k => BatchLabel.Key(k.Key))) + "]";
        }

        var bytes = BatchCutter.VariableBytes(step.KeyEnv, keys.Select(k => k.Key), batch.Delimiter);
        var size = (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);
        return $"[{BatchLabel.Key(keys[0].Key)} … {BatchLabel.Key(keys[^1].Key)}: {keys.Count} keys, ${E(step.KeyEnv)} {size} KiB]";
    }

    private const int ShownBatchKeys = 20;

    /// <summary>A batch's limits as people read them.</summary>
    private static string BatchLimits(KeysStep step, Batch batch)
    {
        var limits = new List<string>();
        if (batch.MaxKeys is { } maxKeys)
        {
            limits.Add($"at most {Count(maxKeys, "key")}");
        }

        if (batch.TargetSeconds is { } target)
        {
            limits.Add(step.Durations is { Count: > 0 } ? $"up to {Seconds(target)} of known durations" : $"targetSeconds {Seconds(target)} unused without past durations");
        }

        return string.Join(", ", limits);
    }

    /// <summary>The key timeout and fail-fast, when set.</summary>
    private static void KeyLimits(StringBuilder text, KeysStep step)
    {
        if (step.KeyTimeout is { } timeout)
        {
            text.Append(CultureInfo.InvariantCulture, $"   timeout: a key running longer than {GoDuration.Format(timeout)} is killed with every process it started and fails with exit code {KeyTimeout.ExitCode}\n");
        }

        if (step.FailFast)
        {
            text.Append("   fail-fast: after the first key that failed (after its retests) no new key starts; running keys finish, keys never started are reported unknown\n");
        }
    }

    /// <summary>One pod: its name and image, its keys (or its one command) with the command each runs, its volumes; and its Job on stdout.</summary>
    private static void Pod(Context context, string title, string header, TestJobTemplate template, PodRequest request, IReadOnlyList<(string Container, string Prefix)>? keys)
    {
        var job = KubernetesJob.Create(request, context.Namespace, context.Lifecycle);

        // kubectl apply cannot use generateName: the dry run names each Job as the run would (prefix and 5 characters).
        job.Metadata.Name = request.GenerateName + context.JobCount.ToString("x5", CultureInfo.InvariantCulture);
        job.Metadata.GenerateName = null;
        context.JobCount++;

        var text = context.Plan;
        var main = template.MainContainer.Container;
        text.Append(CultureInfo.InvariantCulture, $"   {header}Job {E(job.Metadata.Name)} in namespace {E(context.Namespace)}, image {E(main.Image)}\n");
        var comments = new StringBuilder();
        foreach (var (container, prefix) in keys ?? [(main.Name, "")])
        {
            Command(text, $"     {E(container)}: ", main, prefix);
            comments.Append(CultureInfo.InvariantCulture, $"# {E(container)}: {prefix}{E(ShellCommand.Display(main))}\n");
        }

        foreach (var sidecar in template.Sidecars)
        {
            text.Append(CultureInfo.InvariantCulture, $"     sidecar {E(sidecar.Container.Name)}, image {E(sidecar.Container.Image)}\n");
        }

        if (template.Spec.FinalizerContainer is { } finalizer)
        {
            Command(text, $"     finalizer {E(finalizer.Container.Name)}: ", finalizer.Container, "");
        }

        // Commands and files of these containers go through their agent, not exec through the API server.
        foreach (var agent in AgentPorts.Allocate(request))
        {
            text.Append(CultureInfo.InvariantCulture, $"     agent in {E(agent.Container)}: {E(agent.Display)} (kubetest connects to <pod IP>:{agent.Port})\n");
        }

        Volumes(text, template, keys is null ? "after it runs" : context.Queued ? "after each key into the key's own directory below its worker's, then removed in the worker" : context.StaticBatched ? "after each command into its (first) key's own directory below its container's, then removed in the container" : "after each key");
        context.Objects
            .Append("---\n# ").Append(E(title)).Append('\n')
            .Append(comments)
            .Append(KubernetesYaml.Serialize(job).TrimEnd('\n')).Append('\n');
    }

    private static void Command(StringBuilder text, string prefix, V1Container container, string keyPrefix) =>
        text.Append(prefix).Append(keyPrefix).Append(Printable.Escape(ShellCommand.Display(container))).Append('\n');

    private static void Volumes(StringBuilder text, TestJobTemplate template, string when)
    {
        var main = template.MainContainer.Container;
        var mounts = new List<string>();
        foreach (var mount in main.VolumeMounts ?? [])
        {
            var volume = template.Spec.Volumes.FirstOrDefault(v => v.Name == mount.Name);
            var kind = volume?.Source switch
            {
                ArtifactVolumeSource artifact => $"artifact {artifact.ArtifactName}",
                LogVolumeSource => "the run's log",
                ReportVolumeSource => "the report",
                RepoVolumeSource repo => $"repository {repo.RepoName}",
                TokenVolumeSource token => $"token {token.TokenName}",
                _ => volume is null ? "?" : "volume " + mount.Name,
            };
            mounts.Add($"{E(mount.MountPath)} ({E(kind)})");
        }

        if (mounts.Count > 0)
        {
            text.Append("     volumes: ").AppendJoin(", ", mounts).Append('\n');
        }

        foreach (var artifact in template.Spec.Artifacts.Where(a => a.ContainerName == main.Name))
        {
            text.Append(CultureInfo.InvariantCulture, $"     artifact {E(artifact.Name)}: {E(artifact.Path)} is copied out {when}\n");
        }
    }

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static string Quote(string value) => "\"" + E(value) + "\"";

    /// <summary>Text from the manifest, escaped: a name or image holding a new line cannot forge a line of the plan.</summary>
    private static string E(string? value) => Printable.Escape(value ?? "");

    private static string Seconds(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}

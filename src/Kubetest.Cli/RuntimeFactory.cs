using Kubetest.Runtime.Kubernetes;
using Kubetest.Runtime.Local;
using Kubetest.Tokens;

namespace Kubetest.Cli;

/// <summary>The runtime chosen on the command line, with what the kubernetes runtime needs.</summary>
/// <param name="Kind">The runtime (<c>--runtime</c>).</param>
/// <param name="MaxRunTime">The longest a run's pods may live (<c>--max-run-time</c>): their Jobs' deadline.</param>
/// <param name="SecretsDirectory">Secrets for the local runtime, laid out <c>DIR/&lt;secret&gt;/&lt;key&gt;</c> (<c>--secrets-dir</c>).</param>
/// <param name="Cluster">The kubernetes runtime's loaded kubeconfig (null for the local runtime).</param>
/// <param name="Sandbox">The local runtime's sandbox (<see cref="RuntimeFactory.SandboxVariable"/>), decided before anything runs; the kubernetes runtime ignores it.</param>
public sealed record RuntimeChoice(RuntimeKind Kind, ClusterTarget? Cluster, string Namespace, TimeSpan PendingTimeout, TimeSpan MaxRunTime, string? SecretsDirectory = null, TimeSpan? AgentReadyTimeout = null, SandboxChoice Sandbox = SandboxChoice.Auto);

/// <summary>The values of <see cref="RuntimeFactory.SandboxVariable"/>.</summary>
public enum SandboxChoice
{
    /// <summary>bwrap where it can create a sandbox, else none with a warning (the default).</summary>
    Auto,

    /// <summary>bwrap required: an error where it cannot create a sandbox.</summary>
    Bwrap,

    /// <summary>Switched off, even where bwrap works.</summary>
    None,
}

/// <summary>A runtime and where its runs' secrets come from; <paramref name="Client"/>: the kubernetes runtime's client, for the ConfigMap timing store.</summary>
public sealed record RuntimeSetup(IPodRuntime Runtime, ISecretSource Secrets, k8s.IKubernetes? Client = null);

/// <summary>Builds the pod runtime chosen with <c>--runtime</c>.</summary>
public static class RuntimeFactory
{
    /// <summary>
    /// The runtime to run on (for kubernetes, only once the cluster has answered) and its secrets:
    /// the cluster's on kubernetes; locally <c>--secrets-dir</c>, then <c>KUBETEST_SECRET_&lt;NAME&gt;_&lt;KEY&gt;</c> variables.
    /// </summary>
    /// <param name="setup">Gets the lines about how the runtime was set up, said before the run and reported by it.</param>
    /// <param name="outsideRun">Gets what the runtime warns about while no run reports for it (<see cref="IPodRuntime.ReportTo"/>): its cleanup.</param>
    public static async Task<RuntimeSetup> CreateAsync(RuntimeChoice choice, RunOwner owner, RunWorkspace workspace, IRunObserver setup, IRunObserver outsideRun, CancellationToken cancellationToken)
    {
        if (choice.Kind == RuntimeKind.Local)
        {
            ISecretSource secrets = choice.SecretsDirectory is { } directory
                ? new ChainedSecretSource(new DirectorySecretSource(directory), EnvironmentSecretSource.FromProcess())
                : EnvironmentSecretSource.FromProcess();
            return new RuntimeSetup(CreateLocal(workspace, choice.Sandbox, setup, outsideRun), secrets);
        }

        var client = await KubernetesConnection.ConnectAsync(choice.Cluster ?? throw new InvalidOperationException("the kubernetes runtime needs its loaded kubeconfig"), cancellationToken).ConfigureAwait(false);
        setup.On(new LogEvent(LogLevel.Debug, $"kubernetes runtime: namespace {choice.Namespace}, run {owner.RunId} (label {JobLifecycle.RunLabel}={owner.RunId})"));
        var options = new KubernetesRuntimeOptions(choice.Namespace, choice.PendingTimeout, JobLifecycle.For(owner, choice.MaxRunTime), choice.AgentReadyTimeout);
        return new RuntimeSetup(
            new KubernetesPodRuntime(client, options, TimeProvider.System, message => outsideRun.On(new LogEvent(LogLevel.Warn, message))),
            new KubernetesSecretSource(client, choice.Namespace, TimeProvider.System),
            client);
    }

    /// <summary>
    /// Chooses the local runtime's sandbox: <c>auto</c> (the default: bwrap where it can create a
    /// sandbox, else none with a warning), <c>bwrap</c> (required: an error where it cannot), or
    /// <c>none</c> (switched off even where bwrap works).
    /// </summary>
    public const string SandboxVariable = "KUBETEST_LOCAL_SANDBOX";

    /// <summary>The accepted values of <see cref="SandboxVariable"/>; unset or empty is <c>auto</c>.</summary>
    public static IReadOnlyList<string> SandboxValues { get; } = ["auto", "bwrap", "none"];

    /// <summary>The value of <see cref="SandboxVariable"/>, read and checked once, before anything runs.</summary>
    public static SandboxChoice SandboxSetting()
    {
        var value = Environment.GetEnvironmentVariable(SandboxVariable);
        if (string.IsNullOrEmpty(value))
        {
            return SandboxChoice.Auto;
        }

        return SandboxValues.Contains(value, StringComparer.Ordinal)
            ? Enum.Parse<SandboxChoice>(value, ignoreCase: true)
            : throw new UserInputException($"{SandboxVariable}: unknown value \"{value}\"; accepted values: auto (the default: bwrap where it works, else no sandbox), bwrap (require the sandbox), none (switch it off)");
    }

    private static LocalPodRuntime CreateLocal(RunWorkspace workspace, SandboxChoice sandbox, IRunObserver setup, IRunObserver outsideRun)
    {
        var mode = sandbox == SandboxChoice.None ? SandboxMode.None : LocalSandbox.Detect();
        string? noSandboxWarning = null;
        if (sandbox == SandboxChoice.None)
        {
            noSandboxWarning = $"{SandboxVariable}=none: the bwrap sandbox is switched off, containers run directly on the host: volumes are not mounted at their mountPath, and commands using container paths may fail";
        }
        else if (sandbox == SandboxChoice.Bwrap && mode == SandboxMode.None)
        {
            throw new UserInputException($"{SandboxVariable}=bwrap: bwrap cannot create a sandbox here (it is not on PATH, or the kernel or a container policy refuses it); install bubblewrap (Debian: apt-get install bubblewrap) or set {SandboxVariable}=auto");
        }

        // Without the sandbox the runtime itself warns once, on the first pod, as a line of the run.
        if (mode == SandboxMode.Bwrap)
        {
            setup.On(new LogEvent(LogLevel.Debug, "local runtime: each container runs in a bwrap sandbox with this machine's tools standing in for its image"));
        }

        return new LocalPodRuntime(workspace.PodsDirectory, mode, message => outsideRun.On(new LogEvent(LogLevel.Warn, message)), noSandboxWarning: noSandboxWarning);
    }
}

using System.Text.RegularExpressions;
using Kubetest.Runtime.Local;

namespace Kubetest.Emulator;

/// <summary>How the emulator behaves, fault knobs included. Every knob is also a flag of the standalone app.</summary>
public sealed class EmulatorOptions
{
    /// <summary>Where the stand-in kubelet keeps pod state; a temporary directory when null.</summary>
    public string? StateDirectory { get; set; }

    /// <summary>Run containers without bwrap (when the machine has none).</summary>
    public bool NoSandbox { get; set; }

    /// <summary>Pod events kept for watches that resume; older resourceVersions get 410 Gone.</summary>
    public int WatchHistory { get; set; } = 10_000;

    /// <summary>Events kept per namespace; the oldest is dropped for a new one beyond this.</summary>
    public int EventsPerNamespace { get; set; } = 1000;

    public FaultOptions Faults { get; set; } = new();

    /// <summary>
    /// Rights the kubetest identity loses from the Role of deploy/rbac.yaml (and the controller identity
    /// from its Role), as "verb resource" (e.g. <c>update configmaps</c>, <c>update leases</c>), to see a client in a namespace whose Role is older or narrower.
    /// Live: read on every request (lock the set to change it while requests are served).
    /// </summary>
    public HashSet<string> RevokedVerbs { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Programs "installed in the image": a container whose command starts with a key here runs the
    /// value (a host command line, e.g. <c>[dotnet, …/kubetest-agent.dll]</c>) followed by the rest of
    /// its command. Containers have no images here and the host's directories are read-only inside
    /// the sandbox, so this is how a manifest's <c>agent.installedPath: /bin/kubetest-agent</c> runs
    /// the agent that the test build made, unchanged. The pod spec keeps the manifest's path.
    /// </summary>
    public Dictionary<string, IReadOnlyList<string>> Executables { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Images whose containers see a filesystem of their own instead of the host's (by a container's
    /// <c>image</c>), e.g. one with kubetest-agent and a few tools but no shell, to show such an image
    /// works. Read when a pod starts, so an image added to a running emulator counts for later pods.
    /// Needs bwrap. Other images see the host's directories, read-only.
    /// </summary>
    public Dictionary<string, ContainerImage> Images { get; } = new(StringComparer.Ordinal);
}

/// <summary>Injected failures, to see how a client copes with a cluster that misbehaves.</summary>
public sealed class FaultOptions
{
    /// <summary>Share (0..1) of API requests answered 500 InternalError.</summary>
    public double InternalErrorRate { get; set; }

    /// <summary>Share (0..1) of API requests answered 429 TooManyRequests with Retry-After.</summary>
    public double TooManyRequestsRate { get; set; }

    /// <summary>Seconds in the Retry-After header of injected 429s.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Share (0..1) of DELETE requests answered 500 InternalError (on top of <see cref="InternalErrorRate"/>).</summary>
    public double DeleteFailureRate { get; set; }

    /// <summary>Resources ("jobs", "pods") whose every DELETE is answered 500 InternalError, until the set is emptied.</summary>
    public HashSet<string> FailDeletesOf { get; } = new(StringComparer.Ordinal);

    /// <summary>Also inject 500/429 into exec WebSocket upgrades (off: the upgrade is never failed on purpose).</summary>
    public bool IncludeExecUpgrades { get; set; }

    /// <summary>
    /// Answer this many of the next exec upgrades 500 before the 101 (the command never starts);
    /// each refusal counts one down. The client may safely try again.
    /// </summary>
    public int RefuseExecUpgrades { get; set; }

    /// <summary>
    /// Break every exec connection (abort the socket, no status frame) once it has sent this many
    /// bytes of output: the command has started and its end is never told.
    /// </summary>
    public long? DropExecAfterBytes { get; set; }

    /// <summary>With <see cref="DropExecAfterBytes"/>: break only this many exec connections, counted down; null breaks every one.</summary>
    public int? DropExecTimes { get; set; }

    /// <summary>End a watch (the response finishes, as on an API server timeout) after it has sent this many events.</summary>
    public int? DropWatchAfterEvents { get; set; }

    /// <summary>End a watch after it has been open this long.</summary>
    public TimeSpan? DropWatchAfter { get; set; }

    /// <summary>
    /// Keep pods in Pending with this waiting reason (e.g. <c>ImagePullBackOff</c>; <c>Unschedulable</c>
    /// becomes a PodScheduled=False condition instead). Null: pods start.
    /// </summary>
    public string? HoldPendingReason { get; set; }

    /// <summary>Only hold pods whose job name matches; null: all pods.</summary>
    public Regex? HoldPendingJobPattern { get; set; }
}

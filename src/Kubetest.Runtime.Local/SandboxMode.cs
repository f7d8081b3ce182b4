namespace Kubetest.Runtime.Local;

/// <summary>How the local runtime isolates a container's processes.</summary>
public enum SandboxMode
{
    /// <summary>Each container process runs in bubblewrap with the pod's volumes at their mount paths.</summary>
    Bwrap,

    /// <summary>Processes run directly on the host; volumes are host directories, not mounted.</summary>
    None,
}

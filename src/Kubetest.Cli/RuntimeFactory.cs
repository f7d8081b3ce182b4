using Kubetest.Engine;
using Kubetest.Reporting;
using Kubetest.Runtime;
using Kubetest.Runtime.Local;

namespace Kubetest.Cli;

/// <summary>Builds the pod runtime chosen with <c>--runtime</c>.</summary>
public static class RuntimeFactory
{
    /// <summary>Set to <c>none</c> to run local containers without the bwrap sandbox even where bwrap exists.</summary>
    public const string SandboxVariable = "KUBETEST_LOCAL_SANDBOX";

    public static IPodRuntime CreateLocal(RunWorkspace workspace, IRunObserver events)
    {
        var mode = Environment.GetEnvironmentVariable(SandboxVariable) == "none" ? SandboxMode.None : LocalSandbox.Detect();
        // Without the sandbox the runtime itself warns once, on the first pod.
        if (mode == SandboxMode.Bwrap)
        {
            events.On(new LogEvent(LogLevel.Debug, "local runtime: each container runs in a bwrap sandbox with this machine's tools standing in for its image"));
        }

        return new LocalPodRuntime(workspace.PodsDirectory, mode, message => events.On(new LogEvent(LogLevel.Warn, message)));
    }
}

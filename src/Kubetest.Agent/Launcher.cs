using System.Runtime.InteropServices;

namespace Kubetest.Agent;

/// <summary>
/// The agent started again as <c>kubetest-agent --launch-process-group -- ARGV</c>: it puts itself
/// in a new process group and then becomes ARGV. .NET cannot set a child's process group between
/// fork and exec, and the group is what lets a cancelled command die with everything it started,
/// including children that outlived their parent. The agent's own binary is always in the image,
/// so this needs no shell and no <c>setsid</c>.
/// </summary>
internal static class Launcher
{
    public const string Flag = "--launch-process-group";

    /// <summary>Only returns when exec failed: 127 when the program is not found, 126 when it cannot run, as a shell says.</summary>
    public static int Run(IReadOnlyList<string> argv)
    {
        if (argv.Count == 0)
        {
            Console.Error.WriteLine("kubetest-agent: nothing to run");
            return 127;
        }

        if (!Native.NewProcessGroup())
        {
            Console.Error.WriteLine($"kubetest-agent: cannot make a process group: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        var errno = Native.Exec(argv);
        Console.Error.WriteLine($"kubetest-agent: cannot run {argv[0]}: {Marshal.GetPInvokeErrorMessage(errno)}");
        return errno == 2 ? 127 : 126;
    }

    /// <summary>How to start this same agent binary, framework-dependent (<c>dotnet kubetest-agent.dll</c>) or not.</summary>
    public static IReadOnlyList<string> SelfCommand()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("the agent cannot find its own binary");
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [process, Path.Combine(AppContext.BaseDirectory, "kubetest-agent.dll")]
            : [process];
    }
}

namespace Kubetest.Cli.Tests;

/// <summary>
/// The emulator's image <see cref="Name"/>: kubetest-agent (the build's, framework-dependent, with the
/// host's .NET at its default place) and a few single coreutils in /opt/tools, the host's libraries
/// bound read-only, and nothing else: no /bin, no /usr/bin, no /etc, so no shell.
/// </summary>
internal static class ShellLessImage
{
    public const string Name = "kubetest.test/agent-only";

    /// <summary>Where the image has kubetest-agent (its build directory is bound at /kubetest-agent).</summary>
    public const string AgentPath = "/kubetest-agent/kubetest-agent";

    private static readonly string[] Tools = ["env", "install", "ls"];

    /// <summary>Makes the image's root in <paramref name="directory"/> (which must not exist).</summary>
    public static Kubetest.Runtime.Local.ContainerImage Create(string directory, string agentDll)
    {
        var tools = Directory.CreateDirectory(Path.Combine(directory, "opt", "tools")).FullName;
        foreach (var tool in Tools)
        {
            File.Copy(Path.Combine("/usr/bin", tool), Path.Combine(tools, tool));
        }

        // Debian's merged /usr: the loader is found at /lib64/ld-linux-x86-64.so.2.
        File.CreateSymbolicLink(Path.Combine(directory, "lib"), "usr/lib");
        File.CreateSymbolicLink(Path.Combine(directory, "lib64"), "usr/lib64");

        // The apphost finds .NET at its default install location when DOTNET_ROOT is not set.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host
            ? Path.GetDirectoryName(new FileInfo(host).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? host)!
            : "/usr/share/dotnet";
        return new(directory, new Dictionary<string, string>
        {
            ["/usr/lib"] = "/usr/lib",
            ["/usr/lib64"] = "/usr/lib64",
            ["/usr/share/dotnet"] = dotnet,
            ["/kubetest-agent"] = Path.GetDirectoryName(agentDll)!,
        });
    }
}

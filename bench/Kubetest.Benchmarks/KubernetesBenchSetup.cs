using System.Globalization;

namespace Kubetest.Benchmarks;

/// <summary>
/// What a <c>kubernetes</c> or <c>kubernetes-agent</c> run of <see cref="KubernetesBench"/> measures: how many
/// keys, the host command line that stands in for <c>/bin/kubetest-agent</c> (agent runs only), and whether
/// kubetest runs in this process or as the real CLI in a child process (whose peak RSS is then kubetest's own).
/// </summary>
/// <param name="Keys">Keys of <c>true</c>, 10 per pod.</param>
/// <param name="Agent">The agent's host command line (<c>dotnet …/kubetest-agent.dll</c> or the AOT binary); null: exec through the API server.</param>
/// <param name="Cli">The CLI's <c>kubetest.dll</c> to run as a child process; null: the engine in this process.</param>
/// <param name="Error">What is wrong with the arguments, if anything.</param>
internal sealed record KubernetesBenchSetup(int Keys, IReadOnlyList<string>? Agent, string? Cli, string? Error = null)
{
    public const string Usage = "kubernetes|kubernetes-agent RUNS [KEYS] [--agent PATH] [--cli [KUBETEST_DLL]]\n"
        + "  KEYS     keys of `true`, 10 per pod (default 500)\n"
        + "  --agent  kubernetes-agent only: the agent to run as /bin/kubetest-agent, a native binary (the AOT publish)\n"
        + "           or a kubetest-agent.dll (run with dotnet); default: src/Kubetest.Agent/bin/Release/net10.0/kubetest-agent.dll\n"
        + "  --cli    run the real CLI (default: src/Kubetest.Cli/bin/Release/net10.0/kubetest.dll) as a child process\n"
        + "           under /usr/bin/time, and report its peak RSS apart from the emulator's";

    private static string RepositoryRoot => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../"));

    /// <summary>Reads the arguments after the number of runs.</summary>
    public static KubernetesBenchSetup Parse(string which, IReadOnlyList<string> args)
    {
        var keys = 500;
        string? agentPath = which == "kubernetes-agent" ? Path.Combine(RepositoryRoot, "src/Kubetest.Agent/bin/Release/net10.0/kubetest-agent.dll") : null;
        string? cli = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--agent" when which != "kubernetes-agent":
                    return Invalid("--agent is for kubernetes-agent");
                case "--agent" when i + 1 >= args.Count:
                    return Invalid("--agent needs a path");
                case "--agent":
                    agentPath = Path.GetFullPath(args[++i]);
                    break;
                case "--cli":
                    cli = i + 1 < args.Count && !args[i + 1].StartsWith('-') ? Path.GetFullPath(args[++i]) : Path.Combine(RepositoryRoot, "src/Kubetest.Cli/bin/Release/net10.0/kubetest.dll");
                    break;
                case var text when i == 0 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 10 && parsed % 10 == 0:
                    keys = parsed;
                    break;
                default:
                    return Invalid($"unexpected argument {args[i]} (KEYS is a multiple of 10, at least 10)");
            }
        }

        if (agentPath is not null && !File.Exists(agentPath))
        {
            return Invalid($"agent {agentPath} not found: build it (dotnet build src/Kubetest.Agent -c Release) or publish it (see docs/benchmarks.md)");
        }

        if (agentPath is not null && (agentPath + "/").StartsWith("/tmp/", StringComparison.Ordinal))
        {
            return Invalid($"agent {agentPath}: the emulator's containers have a /tmp of their own, so an agent under /tmp is not found in them; publish it elsewhere (e.g. -o src/Kubetest.Agent/bin/Release/aot)");
        }

        if (cli is not null && !File.Exists(cli))
        {
            return Invalid($"CLI {cli} not found: dotnet build src/Kubetest.Cli -c Release");
        }

        if (cli is not null && !File.Exists(TimePath))
        {
            return Invalid($"--cli measures the CLI's peak RSS with {TimePath}, which is missing (apt-get install time)");
        }

        IReadOnlyList<string>? agent = agentPath is null ? null : agentPath.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", agentPath] : [agentPath];
        return new KubernetesBenchSetup(keys, agent, cli);
    }

    /// <summary>GNU time, for the child's peak RSS (its wait4 rusage).</summary>
    public const string TimePath = "/usr/bin/time";

    /// <summary>How the agent runs, for the printed header.</summary>
    public string AgentLabel => Agent switch
    {
        null => "exec through the API server",
        ["dotnet", var dll] => $"through kubetest-agent (JIT: dotnet {dll})",
        [var binary] => $"through kubetest-agent ({binary})",
        _ => "through kubetest-agent",
    };

    private static KubernetesBenchSetup Invalid(string error) => new(0, null, null, error);
}

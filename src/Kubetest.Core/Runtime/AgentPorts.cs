using System.Globalization;

namespace Kubetest.Runtime;

/// <summary>One container of a pod that runs kubetest-agent instead of a wait loop, and the port it listens on.</summary>
public sealed record AgentEndpoint(string Container, AgentSpec Spec, int Port)
{
    /// <summary>The container's args: <c>--port P [--timeout T]</c>; its command is <c>[installedPath]</c>, as in the original.</summary>
    public IReadOnlyList<string> Arguments =>
        ["--port", Port.ToString(CultureInfo.InvariantCulture), .. Spec.Timeout is { Length: > 0 } t ? (string[])["--timeout", t] : []];

    /// <summary>The whole command line, for people.</summary>
    public string Display => string.Join(' ', Arguments.Prepend(Spec.InstalledPath));
}

/// <summary>
/// The ports of a pod's agents, as goccy/kubejob allocates them: one counter per pod, starting at
/// <c>allocationStartPort</c> (default 5000) and going up by one for each agent container in
/// container order (the finalizer last), skipping <c>excludePorts</c>. The original takes the start
/// and the exclusions from the main container's agent (every key container is a copy of it); here
/// the first agent container's start and every agent's exclusions count. Unlike the original, the
/// start port itself is skipped too when it is excluded.
/// </summary>
public static class AgentPorts
{
    public const int DefaultStartPort = 5000;

    public static IReadOnlyList<AgentEndpoint> Allocate(PodRequest request)
    {
        var agents = request.Spec.Containers
            .Where(c => request.Agents.ContainsKey(c.Name))
            .Select(c => (c.Name, Spec: request.Agents[c.Name]))
            .ToList();
        if (agents.Count == 0)
        {
            return [];
        }

        var excluded = agents.SelectMany(a => a.Spec.ExcludePorts).ToHashSet();
        var next = agents[0].Spec.AllocationStartPort ?? DefaultStartPort;
        var endpoints = new List<AgentEndpoint>(agents.Count);
        foreach (var (name, spec) in agents)
        {
            while (excluded.Contains(next))
            {
                next++;
            }

            if (next > ushort.MaxValue)
            {
                throw new PodFailedException($"no port left for kubetest-agent in container {name}: the pod's agents use every port from {agents[0].Spec.AllocationStartPort ?? DefaultStartPort} up that excludePorts leaves");
            }

            endpoints.Add(new AgentEndpoint(name, spec, next));
            next++;
        }

        return endpoints;
    }
}

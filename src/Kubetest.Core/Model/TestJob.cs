using k8s.Models;

namespace Kubetest.Model;

/// <summary>A parsed <c>kubetest.io/v1 TestJob</c>. Kubernetes parts are the official client's types.</summary>
public sealed class TestJob
{
    public const string ApiVersionV1 = "kubetest.io/v1";
    public const string KindTestJob = "TestJob";

    public required string ApiVersion { get; init; }

    public required string Kind { get; init; }

    public required V1ObjectMeta Metadata { get; init; }

    public required TestJobSpec Spec { get; init; }
}

public sealed class TestJobSpec
{
    public IReadOnlyList<RepositorySpec> Repos { get; init; } = [];

    public IReadOnlyList<TokenSpec> Tokens { get; init; } = [];

    public IReadOnlyList<Step> PreSteps { get; init; } = [];

    public required MainStep MainStep { get; init; }

    public IReadOnlyList<Step> PostSteps { get; init; } = [];

    public IReadOnlyList<ExportArtifact> ExportArtifacts { get; init; } = [];

    public LogSpec Log { get; init; } = new();

    /// <summary>Every pod template of the TestJob: preSteps, the dynamic keys' step, the main step, postSteps.</summary>
    public IEnumerable<TestJobTemplate> Templates() =>
        PreSteps.Select(s => s.Template)
            .Concat(MainStep.Strategy?.Key.Source.Dynamic is { } dynamic ? [dynamic.Template] : [])
            .Append(MainStep.Template)
            .Concat(PostSteps.Select(s => s.Template));

    /// <summary>The names of the containers that declare <c>agent</c>, in manifest order.</summary>
    public IReadOnlyList<string> AgentContainers() =>
        [.. Templates()
            .SelectMany(t => t.Spec.InitContainers.Concat(t.Spec.Containers).Concat(t.Spec.FinalizerContainer is { } f ? [f] : []))
            .Where(c => c.Agent is not null)
            .Select(c => c.Container.Name)
            .Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Init containers and sidecars that declare <c>agent</c>: they run their own command, so the
    /// kubernetes runtime uses the agent only where kubetest runs commands (the main container, its
    /// key containers, the finalizer).
    /// </summary>
    public IReadOnlyList<string> AgentContainersRunningTheirOwnCommand() =>
        [.. Templates()
            .SelectMany(t => t.Spec.InitContainers.Concat(t.Sidecars))
            .Where(c => c.Agent is not null)
            .Select(c => c.Container.Name)
            .Distinct(StringComparer.Ordinal)];
}

public sealed record RepositorySpec(string Name, Repository Value);

public sealed record Repository(string Url, string? Branch, string? Rev, string? Token, string? MergeBase, string? ClonedPath);

public sealed record TokenSpec(string Name, TokenSource Value);

public sealed record TokenSource(GitHubAppTokenSource? GitHubApp, SecretKeySelector? GitHubToken, string? FilePath);

public sealed record GitHubAppTokenSource(string? Organization, long AppId, long? InstallationId, SecretKeySelector? KeyFile);

public sealed record SecretKeySelector(string Name, string Key);

public sealed record ExportArtifact(string Name, string Path);

public sealed class LogSpec
{
    /// <summary>debug, info, warn or error; null when the manifest leaves it to the CLI.</summary>
    public string? Level { get; init; }

    public IReadOnlyDictionary<string, string> ExtParam { get; init; } = new Dictionary<string, string>();
}

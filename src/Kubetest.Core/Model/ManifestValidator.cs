using System.Text.RegularExpressions;

namespace Kubetest.Model;

/// <summary>
/// The rules a well-formed TestJob must also keep: unique names, references that point at
/// something, one main container, one scheduler limit. Each problem names its field.
/// </summary>
internal sealed partial class ManifestValidator(NodeReader r, bool keysFromListFile)
{
    public void Validate(TestJob job)
    {
        if (job.ApiVersion != TestJob.ApiVersionV1)
        {
            r.Problem("apiVersion", $"must be {TestJob.ApiVersionV1}, got \"{job.ApiVersion}\"");
        }

        if (job.Kind != TestJob.KindTestJob)
        {
            r.Problem("kind", $"must be {TestJob.KindTestJob}, got \"{job.Kind}\"");
        }

        Metadata(job.Metadata, "metadata");
        var spec = job.Spec;
        Unique(spec.Repos.Select(x => x.Name), "spec.repos", "name");
        Unique(spec.Tokens.Select(x => x.Name), "spec.tokens", "name");
        var tokens = spec.Tokens.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < spec.Repos.Count; i++)
        {
            if (RepositoryUrl.Refusal(spec.Repos[i].Value.Url) is { } refusal)
            {
                r.Problem($"spec.repos[{i}].value.url", $"\"{RepositoryUrl.Display(spec.Repos[i].Value.Url)}\" is not a repository URL kubetest clones: {refusal}");
            }

            if (spec.Repos[i].Value.Token is string token && !tokens.Contains(token))
            {
                r.Problem($"spec.repos[{i}].value.token", $"refers to token \"{token}\", which spec.tokens does not define");
            }
        }

        var context = new References(
            spec.Repos.Select(x => x.Name).ToHashSet(StringComparer.Ordinal),
            tokens,
            new HashSet<string>(StringComparer.Ordinal));
        StepNames(spec.PreSteps, "spec.preSteps");
        StepNames(spec.PostSteps, "spec.postSteps");
        foreach (var step in spec.PreSteps)
        {
            Template(step.Template, context, allowReport: false);
        }

        var strategy = spec.MainStep.Strategy;
        if (strategy?.Key.Source.Dynamic is { } dynamic)
        {
            Template(dynamic.Template, context, allowReport: false);
        }

        Template(spec.MainStep.Template, context, allowReport: false);
        if (strategy is not null)
        {
            Strategy(strategy, "spec.mainStep.strategy");
        }

        foreach (var step in spec.PostSteps)
        {
            Template(step.Template, context, allowReport: true);
        }

        for (var i = 0; i < spec.ExportArtifacts.Count; i++)
        {
            var export = spec.ExportArtifacts[i];
            if (!context.Artifacts.Contains(export.Name))
            {
                r.Problem($"spec.exportArtifacts[{i}].name", $"refers to artifact \"{export.Name}\", which no step's spec.artifacts defines");
            }
        }
    }

    private void StepNames(IReadOnlyList<Step> steps, string path)
    {
        Unique(steps.Select(s => s.Name), path, "name");
    }

    private void Strategy(Strategy strategy, string path)
    {
        if (!EnvName().IsMatch(strategy.Key.Env))
        {
            r.Problem($"{path}.key.env", $"must be an environment variable name (letters, digits, _), got \"{strategy.Key.Env}\"");
        }

        var source = strategy.Key.Source;
        var sourcePath = $"{path}.key.source";
        if (source.Static is not null && source.Dynamic is not null)
        {
            r.Problem(sourcePath, "must set only one of static or dynamic");
        }
        else if (source.Dynamic is null && !keysFromListFile && source.Static is not { Count: > 0 })
        {
            r.Problem(source.Static is null ? sourcePath : $"{sourcePath}.static", source.Static is null
                ? "needs static keys, dynamic keys, or a --list file"
                : "has no keys: list at least one, or pass --list FILE");
        }

        if (source.Static is not null)
        {
            Keys(source.Static, $"{sourcePath}.static");
        }

        if (source.Dynamic?.Filter is string filter)
        {
            try
            {
                _ = new Regex(filter, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                r.Problem($"{sourcePath}.dynamic.filter", $"is not a valid regular expression: {ex.Message}");
            }
        }

        var s = strategy.Scheduler;
        if (s.MaxPodNum > 0 && s.MaxContainersPerPod > 0)
        {
            r.Problem($"{path}.scheduler", "sets both maxPodNum and maxContainersPerPod: choose one");
        }
    }

    private void Unique(IEnumerable<string> names, string listPath, string field)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var name in names)
        {
            if (name.Length > 0 && !seen.Add(name))
            {
                r.Problem($"{listPath}[{i}].{field}", $"\"{name}\" is used twice in {listPath}");
            }

            i++;
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    private sealed record References(HashSet<string> Repos, HashSet<string> Tokens, HashSet<string> Artifacts);
}

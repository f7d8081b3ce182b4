namespace Kubetest.Model;

/// <summary>A TestJob that passed every check, with the warnings met on the way.</summary>
public sealed record LoadedManifest(TestJob Job, IReadOnlyList<ManifestProblem> Warnings);

/// <summary>Manifest text → template parameters → TestJob model → validation. No I/O beyond the text given.</summary>
public static class ManifestLoader
{
    /// <param name="text">The manifest, YAML or JSON.</param>
    /// <param name="file">The file name, for messages.</param>
    /// <param name="parameters">The <c>--template key=value</c> parameters.</param>
    /// <param name="keysFromListFile">Whether <c>--list</c> supplies the static keys.</param>
    public static LoadedManifest Load(string text, string file, IReadOnlyDictionary<string, string> parameters, bool keysFromListFile = false)
    {
        if (text.Length > InputLimits.MaxManifestChars)
        {
            throw new ManifestException(file, [new ManifestProblem("", null, $"is larger than {InputLimits.MaxManifestChars / (1024 * 1024)} MiB: a TestJob manifest is far smaller")]);
        }

        var rendered = GoTemplate.Render(text, parameters, file);
        var tree = YamlTree.Parse(rendered, file);
        var reader = new NodeReader(tree);
        var job = new ManifestReader(reader).Read(tree.Root);
        if (job is not null && reader.Problems.Count == 0)
        {
            new ManifestValidator(reader, keysFromListFile).Validate(job);
        }

        if (job is null || reader.Problems.Count > 0)
        {
            throw new ManifestException(file, reader.Problems.Count > 0 ? reader.ProblemsWithTypos() : [new ManifestProblem("", null, "is not a TestJob")]);
        }

        return new LoadedManifest(job, reader.Warnings);
    }
}

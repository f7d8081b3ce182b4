using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Kubetest.Cli.Tests;

/// <summary>
/// The docs a newcomer reads: every option the CLI's help prints is in <c>docs/cli.md</c>, every
/// field of kubetest's own in the manifest schema is in <c>docs/manifest.md</c>, every link
/// between the pages leads somewhere, and the README's manifests are ones kubetest accepts.
/// </summary>
public sealed partial class DocsTests : IDisposable
{
    private static readonly string Docs = Path.Combine(CliRunner.RepositoryRoot, "docs");
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("--help")]
    [InlineData("gc", "--help")]
    [InlineData("controller", "--help")]
    public async Task Every_option_the_help_prints_is_documented_in_the_cli_page(params string[] args)
    {
        var help = await _cli.RunAsync(args);
        Assert.True(help.ExitCode == 0, help.ToString());
        var options = HelpOptions(help.Stdout);
        Assert.True(options.Count >= 7, help.Stdout);

        var page = File.ReadAllText(Path.Combine(Docs, "cli.md"));
        var missing = options.Where(o => !Regex.IsMatch(page, "`" + Regex.Escape(o) + "[ `=]")).ToList();
        Assert.True(missing.Count == 0, "docs/cli.md does not document: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_field_of_kubetest_s_own_in_the_schema_is_documented_in_the_manifest_page()
    {
        var fields = ManifestFields();
        Assert.Contains("mainStep.strategy.batch.maxKeys", fields);
        Assert.Contains("template.spec.finalizerContainer", fields);
        Assert.Contains("agent.installedPath", fields);
        Assert.DoesNotContain("template.spec.nodeSelector", fields);

        var page = File.ReadAllText(Path.Combine(Docs, "manifest.md"));
        var missing = fields.Where(f => !page.Contains($"`{f}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "docs/manifest.md does not document: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_relative_link_of_the_readme_and_the_docs_leads_to_a_file_and_heading_that_exist()
    {
        var pages = Directory.GetFiles(Docs, "*.md").Append(Path.Combine(CliRunner.RepositoryRoot, "README.md"));
        var broken = new List<string>();
        foreach (var page in pages)
        {
            foreach (Match link in MarkdownLink().Matches(File.ReadAllText(page)))
            {
                var target = link.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal))
                {
                    continue;
                }

                var (file, anchor) = target.Split('#', 2) is [var f, var a] ? (f, a) : (target, null);
                var path = file.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, file));
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    broken.Add($"{Path.GetFileName(page)}: {target} (no such file)");
                }
                else if (anchor is not null && !Anchors(path).Contains(anchor))
                {
                    broken.Add($"{Path.GetFileName(page)}: {target} (no such heading)");
                }
            }
        }

        Assert.True(broken.Count == 0, string.Join("\n", broken));
    }

    [Fact]
    public async Task Every_manifest_in_the_readme_is_accepted_as_written()
    {
        var readme = File.ReadAllText(Path.Combine(CliRunner.RepositoryRoot, "README.md"));
        var manifests = YamlBlock().Matches(readme).Select(m => m.Groups["body"].Value).ToList();
        Assert.NotEmpty(manifests);

        for (var i = 0; i < manifests.Count; i++)
        {
            var path = _cli.Write($"readme-{i}.yaml", manifests[i]);
            var run = await _cli.RunAsync("--runtime", "local", "--dry-run", "--template", "repo=file:///nowhere.git", path);
            Assert.True(run.ExitCode == 0, $"README manifest {i}:\n{manifests[i]}\n{run}");
            Assert.DoesNotContain("[WARN]", run.Stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>The option names of a System.CommandLine help text (<c>-n, --namespace &lt;namespace&gt;</c> gives both).</summary>
    private static List<string> HelpOptions(string help) =>
        help.Split('\n')
            .SkipWhile(l => !l.StartsWith("Options:", StringComparison.Ordinal))
            .Skip(1)
            .TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal))
            .SelectMany(l => l.TrimStart().Split("  ")[0].Split(' ').Where(t => t.StartsWith('-')).Select(t => t.TrimEnd(',')))
            .Where(o => o is not ("-?" or "-h" or "--help"))
            .Distinct()
            .ToList();

    /// <summary>
    /// kubetest's own fields, from the schema: paths without <c>spec.</c>, a pod template's fields
    /// from <c>template.</c> on (every step's template is one shape), a container's <c>agent</c>
    /// block as <c>agent.…</c>; Kubernetes' own fields (pod spec, container, volume) left out.
    /// </summary>
    private static SortedSet<string> ManifestFields()
    {
        var schema = Model.ManifestSchema.Build();
        var defs = schema["$defs"]!.AsObject();
        var podSpec = typeof(V1PodSpec).GetProperties()
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
            .OfType<string>()
            .Where(n => n is not ("containers" or "initContainers" or "volumes"))
            .ToHashSet();
        var fields = new SortedSet<string>(StringComparer.Ordinal);

        void Walk(JsonNode? node, string path, ISet<string> kubernetes)
        {
            if (node is not JsonObject o)
            {
                return;
            }

            if (o["$ref"]?.GetValue<string>() is { } reference)
            {
                var name = reference.Split('/')[^1];
                var model = name switch { "TestJobContainer" => "V1Container", "TestJobVolume" => "V1Volume", _ => null };
                if (model is not null)
                {
                    Walk(defs[name], path, defs[model]!["properties"]!.AsObject().Select(p => p.Key).ToHashSet());
                }

                return;
            }

            foreach (var choice in o["oneOf"]?.AsArray() ?? [])
            {
                Walk(choice, path, new HashSet<string>());
            }

            Walk(o["items"], path + "[]", new HashSet<string>());
            foreach (var (key, value) in o["properties"]?.AsObject() ?? [])
            {
                if (kubernetes.Contains(key) || (path.EndsWith("template.spec", StringComparison.Ordinal) && podSpec.Contains(key)))
                {
                    continue;
                }

                var child = path.Length == 0 ? key : $"{path}.{key}";
                fields.Add(Normalized(child));
                Walk(value, child, new HashSet<string>());
            }
        }

        Walk(schema, "", new HashSet<string>());
        return fields;
    }

    private static string Normalized(string path)
    {
        var agent = path.IndexOf(".agent", StringComparison.Ordinal);
        if (agent >= 0)
        {
            return path[(agent + 1)..];
        }

        var template = path.LastIndexOf("template.", StringComparison.Ordinal);
        if (template > 0)
        {
            return path[template..];
        }

        return path.StartsWith("spec.", StringComparison.Ordinal) ? path["spec.".Length..] : path;
    }

    /// <summary>GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as dashes.</summary>
    private static HashSet<string> Anchors(string page) =>
        File.ReadAllLines(page)
            .Where(l => l.StartsWith('#'))
            .Select(l => AnchorDropped().Replace(l.TrimStart('#').Trim().ToLowerInvariant(), "").Replace(' ', '-'))
            .ToHashSet();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex("```yaml\n(?<body>apiVersion:.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();

    [GeneratedRegex(@"[^\w\- ]")]
    private static partial Regex AnchorDropped();
}

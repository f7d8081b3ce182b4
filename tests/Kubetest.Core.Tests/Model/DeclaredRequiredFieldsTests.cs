using System.Text.Json.Nodes;
using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>
/// A field declared required (<see cref="ManifestField.Required"/>, which the schema says too) is one loading
/// refuses to go without: each is taken out of valid manifests in turn and must be reported as required where it was.
/// </summary>
public class DeclaredRequiredFieldsTests
{
    /// <summary>Required by the schema, but loading lets a later step report it: kept as it was.</summary>
    private static readonly HashSet<(FieldSet, string)> ReportedLater =
    [
        (SourceFields.GitHubApp, "appId"), // the token resolver says it is missing, when the token is needed
    ];

    private static readonly Dictionary<string, string> Parameters = new() { ["repo"] = "https://github.com/goccy/kubetest.git" };

    /// <summary>Token sources and a merge, which no file of the valid corpus has.</summary>
    private const string Tokens = """
        apiVersion: kubetest.io/v1
        kind: TestJob
        spec:
          tokens:
            - name: app
              value:
                githubApp: {organization: goccy, appId: 1, keyFile: {name: app-key, key: private-key}}
            - name: secret
              value:
                githubToken: {name: gh, key: token}
          repos:
            - name: src
              value: {url: "https://github.com/goccy/kubetest.git", merge: {base: main}}
          mainStep:
            template: {spec: {containers: [{name: test, image: alpine, command: [go, test]}]}}
        """;

    public static TheoryData<string> Manifests()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names())
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Each_declared_required_field_left_out_is_reported_as_required_at_its_path(string name)
    {
        var text = Text(name);
        ManifestLoader.Load(text, name, Parameters);
        var wrong = new List<string>();
        foreach (var (path, _, _) in Required(Root(text)))
        {
            var root = Root(text);
            var (_, parent, field) = Required(root).First(r => r.Path == path);
            parent.Remove(field.Name);
            var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(root.ToJsonString(), name, Parameters));
            if (!ex.Problems.Any(p => p.Path == path && p.Message.StartsWith("is required", StringComparison.Ordinal)))
            {
                wrong.Add($"{path}: {ex.Message}");
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public void The_manifests_leave_out_every_declared_required_field_somewhere()
    {
        var tried = Names().SelectMany(name => Required(Root(Text(name)))).Select(r => r.Field).ToHashSet();
        var declared = Sets(ManifestFields.TestJob)
            .SelectMany(s => s.Fields.Where(f => f.Required && !ReportedLater.Contains((s, f.Name))))
            .Distinct();

        Assert.Empty(declared.Where(f => !tried.Contains(f)).Select(f => f.Name));
    }

    private static IEnumerable<string> Names() =>
        System.IO.Directory.GetFiles(ManifestFiles.Directory("Valid")).Select(Path.GetFileName).Order(StringComparer.Ordinal).Append("(token sources)")!;

    private static string Text(string name) => name == "(token sources)" ? Tokens : ManifestFiles.Read("Valid", name);

    private static JsonObject Root(string text) => YamlTree.Parse(GoTemplate.Render(text, Parameters, "x"), "x").Root!.AsObject();

    /// <summary>Every required field the manifest has, where it is, found by walking the manifest along the declarations.</summary>
    private static List<(string Path, JsonObject Parent, ManifestField Field)> Required(JsonObject root)
    {
        var found = new List<(string, JsonObject, ManifestField)>();
        Walk(root, new ObjectShape(ManifestFields.TestJob), "", found);
        return found.Select(f => (f.Item1, f.Item2, f.Item3)).ToList();
    }

    private static void Walk(JsonNode? node, FieldShape shape, string path, List<(string, JsonObject, ManifestField)> found)
    {
        switch (shape)
        {
            case ListShape l when node is JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    Walk(items[i], l.Item, $"{path}[{i}]", found);
                }

                break;
            case ObjectShape { Fields: var set } when node is JsonObject o:
                Fields(o, set, path, found);
                break;
            case KubernetesShape { Additions: { } set } when node is JsonObject o:
                Fields(o, set, path, found);
                break;
        }
    }

    private static void Fields(JsonObject o, FieldSet set, string path, List<(string, JsonObject, ManifestField)> found)
    {
        foreach (var field in set.Fields.Where(f => o.ContainsKey(f.Name)))
        {
            var fieldPath = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            if (field.Required && !ReportedLater.Contains((set, field.Name)))
            {
                found.Add((fieldPath, o, field));
            }

            Walk(o[field.Name], field.Shape, fieldPath, found);
        }
    }

    private static IEnumerable<FieldSet> Sets(FieldSet set) =>
        new[] { set }.Concat(set.Fields.SelectMany(f => Nested(f.Shape)).SelectMany(Sets));

    private static IEnumerable<FieldSet> Nested(FieldShape shape) => shape switch
    {
        ObjectShape o => [o.Fields],
        ListShape l => Nested(l.Item),
        KubernetesShape { Additions: { } a } => [a],
        _ => [],
    };
}

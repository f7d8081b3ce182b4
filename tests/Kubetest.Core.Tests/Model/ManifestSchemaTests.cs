using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>
/// The manifest's JSON Schema, checked with an independent validator (JsonSchema.Net): every
/// example and valid manifest passes, and the shape mistakes of the invalid corpus, typos inside
/// Kubernetes parts among them, fail where loading fails.
/// </summary>
public class ManifestSchemaTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(ManifestSchema.Json()));

    private static readonly Dictionary<string, string> Parameters = new() { ["repo"] = "https://github.com/goccy/kubetest.git", ["project"] = "/nowhere/project" };

    public static TheoryData<string> Valid()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ManifestFiles.Directory("Valid")).Concat(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Examples"))).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(AppContext.BaseDirectory, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void Every_example_and_valid_manifest_validates(string file)
    {
        var result = Evaluate(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, file)), file);

        Assert.True(result.IsValid, Errors(result));
    }

    [Fact]
    public void There_are_examples_to_validate()
    {
        Assert.True(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Examples"), "*.yaml").Length >= 7);
    }

    [Theory]
    [InlineData("05-wrong-apiVersion.yaml")]
    [InlineData("06-wrong-kind.yaml")]
    [InlineData("07-missing-spec.yaml")]
    [InlineData("08-missing-mainStep.yaml")]
    [InlineData("09-missing-template.yaml")]
    [InlineData("10-missing-containers.yaml")]
    [InlineData("12-string-maxContainersPerPod.yaml")]
    [InlineData("13-list-where-object-expected.yaml")]
    [InlineData("14-object-where-list-expected.yaml")]
    [InlineData("15-negative-maxConcurrentNumPerPod.yaml")]
    [InlineData("40-log-level-not-a-level.yaml")]
    [InlineData("41-kubernetes-args-object.yaml")]
    [InlineData("42-kubernetes-cpu-limit-list.yaml")]
    [InlineData("46-token-with-two-sources.yaml")]
    [InlineData("62-retest-out-of-range.yaml")]
    [InlineData("63-retest-not-a-count.yaml")]
    [InlineData("64-key-timeout-not-a-duration.yaml")]
    [InlineData("66-failFast-not-a-boolean.yaml")]
    [InlineData("67-retest-negative.yaml")]
    [InlineData("70-scheduler-mode-unknown.yaml")]
    [InlineData("71-batch-max-keys-zero.yaml")]
    [InlineData("72-batch-target-seconds-not-positive.yaml")]
    public void The_shape_mistakes_of_the_invalid_corpus_fail_validation(string name)
    {
        var result = Evaluate(ManifestFiles.Read("Invalid", name), name);

        Assert.False(result.IsValid, $"{name} passed the schema");
    }

    [Theory]
    [InlineData("true", "90s")]
    [InlineData("3", "1h30m")]
    [InlineData("false", "45")]
    public void The_added_strategy_fields_validate(string retest, string timeout)
    {
        var manifest = $$"""
            apiVersion: kubetest.io/v1
            kind: TestJob
            spec:
              mainStep:
                strategy:
                  key:
                    env: KEY
                    timeout: "{{timeout}}"
                    source:
                      static: [a, b]
                  retest: {{retest}}
                  failFast: true
                  scheduler: {mode: queue, maxPodNum: 2}
                template:
                  spec:
                    containers:
                      - name: test
                        image: alpine
                        command: [echo]
            """;

        var result = Evaluate(manifest, "added.yaml");

        Assert.True(result.IsValid, Errors(result));
        ManifestLoader.Load(manifest, "added.yaml", Parameters);
    }

    [Theory]
    [InlineData("comand: [echo]")]
    [InlineData("workDir: /work")]
    [InlineData("resources: {limit: {cpu: 1}}")]
    public void A_typo_inside_a_container_fails_validation(string typo)
    {
        var manifest = $$"""
            apiVersion: kubetest.io/v1
            kind: TestJob
            spec:
              mainStep:
                template:
                  spec:
                    containers:
                      - name: test
                        image: alpine
                        command: [echo]
                        {{typo}}
            """;

        Assert.False(Evaluate(manifest, "typo.yaml").IsValid);
        Assert.True(Evaluate(manifest.Replace(typo, "workingDir: /work", StringComparison.Ordinal), "fixed.yaml").IsValid);
    }

    [Fact]
    public void Kubernetes_types_are_defined_once_and_every_reference_resolves()
    {
        var schema = ManifestSchema.Build();
        var defs = schema["$defs"]!.AsObject();
        var references = new List<string>();
        Collect(schema, references);

        Assert.Contains("V1Container", defs.Select(d => d.Key));
        Assert.Contains("TestJobContainer", defs.Select(d => d.Key));
        Assert.All(references, r => Assert.True(r.StartsWith("#/$defs/", StringComparison.Ordinal) && defs.ContainsKey(r["#/$defs/".Length..]), r));
    }

    private static EvaluationResults Evaluate(string text, string file)
    {
        var tree = YamlTree.Parse(GoTemplate.Render(text, Parameters, file), file);
        using var document = JsonDocument.Parse(tree.Root?.ToJsonString() ?? "null");
        return Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Errors(EvaluationResults result) => string.Join(
        "\n",
        (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    private static void Collect(JsonNode? node, List<string> references)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key == "$ref")
                    {
                        references.Add(value!.GetValue<string>());
                    }

                    Collect(value, references);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Collect(item, references);
                }

                break;
        }
    }
}

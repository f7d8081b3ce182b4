using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Kubetest.Emulator;

namespace Kubetest.Cli.Tests;

/// <summary><c>kubetest crd</c>: the TestJob CustomResourceDefinition on stdout, and <c>deploy/crd.yaml</c> kept equal to it.</summary>
public sealed class CrdCommandTests : IDisposable
{
    private static readonly string Checked = Path.Combine(CliRunner.RepositoryRoot, "deploy", "crd.yaml");
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Crd_prints_the_testjob_definition_the_official_client_reads_and_exits_0()
    {
        var run = await _cli.RunAsync("crd");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Stderr);
        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(run.Stdout);
        Assert.Equal(("apiextensions.k8s.io/v1", "CustomResourceDefinition", "testjobs.kubetest.io"), (crd.ApiVersion, crd.Kind, crd.Metadata.Name));
        Assert.Equal("kubetest.io", crd.Spec.Group);
        Assert.Equal("Namespaced", crd.Spec.Scope);
        var names = crd.Spec.Names;
        Assert.Equal(("TestJob", "TestJobList", "testjobs", "testjob"), (names.Kind, names.ListKind, names.Plural, names.Singular));
        Assert.Null(names.ShortNames); // the original has none, and `tj` or `test` would be a guess others may take
        var version = Assert.Single(crd.Spec.Versions);
        Assert.Equal(("v1", true, true), (version.Name, version.Served, version.Storage));
        Assert.NotNull(version.Subresources?.Status);
        Assert.Null(version.Subresources!.Scale);
        Assert.Equal(
            [("Phase", "string", ".status.phase"), ("Keys", "integer", ".status.totalNum"), ("Passed", "integer", ".status.successNum"), ("Failed", "integer", ".status.failureNum"), ("Age", "date", ".metadata.creationTimestamp")],
            version.AdditionalPrinterColumns.Select(c => (c.Name, c.Type, c.JsonPath)));
        Assert.Equal(["spec"], version.Schema.OpenAPIV3Schema.Required);
    }

    [Fact]
    public async Task The_status_schema_has_the_phase_counts_bounded_key_lists_and_conditions_merged_by_type()
    {
        var status = Schema(await PrintAsync())["properties"]!["status"]!["properties"]!;

        Assert.Equal("""["Pending","Running","Succeeded","Failed","Error"]""", status["phase"]!["enum"]!.ToJsonString());
        Assert.All(Fields("startTime", "completionTime"), f => Assert.Equal("""{"type":"string","format":"date-time"}""", Without(status[f], "description")));
        Assert.All(Fields("totalNum", "successNum", "failureNum", "flakyNum"), f => Assert.Equal("""{"type":"integer"}""", Without(status[f], "description")));
        Assert.All(Fields("failedKeys", "flakyKeys"), f => Assert.Equal("""{"type":"array","items":{"type":"string"},"maxItems":100}""", Without(status[f], "description")));
        Assert.All(Fields("reportConfigMap", "message"), f => Assert.Equal("""{"type":"string"}""", Without(status[f], "description")));
        Assert.Equal("""{"type":"integer","format":"int64"}""", Without(status["observedGeneration"], "description"));
        var conditions = status["conditions"]!;
        Assert.Equal("map", conditions["x-kubernetes-list-type"]!.GetValue<string>());
        Assert.Equal("""["type"]""", conditions["x-kubernetes-list-map-keys"]!.ToJsonString());
        Assert.Equal(
            ["lastTransitionTime", "message", "observedGeneration", "reason", "status", "type"],
            conditions["items"]!["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_checked_in_deploy_crd_yaml_is_what_kubetest_crd_prints()
    {
        var printed = await PrintAsync();

        Assert.True(
            File.ReadAllText(Checked) == printed,
            "deploy/crd.yaml differs from what `kubetest crd` prints: regenerate it with `dotnet run --project src/Kubetest.Cli -- crd > deploy/crd.yaml`");
    }

    [Fact]
    public async Task The_definition_stays_far_below_what_kubectl_apply_and_etcd_take()
    {
        var printed = await PrintAsync();

        // kubectl apply (client side) keeps the whole object in a 256 KiB annotation; etcd takes 1.5 MiB.
        Assert.True(printed.Length < 128 * 1024, $"kubetest crd prints {printed.Length} bytes");
    }

    [Fact]
    public async Task The_schema_is_structural()
    {
        var problems = StructuralSchemaChecker.Problems(Schema(await PrintAsync()));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [InlineData("a node without a type", "has no type")]
    [InlineData("a $ref", "`$ref` is not a keyword")]
    [InlineData("additionalProperties: false", "additionalProperties must be a schema")]
    [InlineData("a type list", "type must be one of")]
    [InlineData("a type inside oneOf", "`type` inside a junctor")]
    [InlineData("a description inside oneOf", "`description` inside a junctor")]
    [InlineData("oneOf naming an undeclared field", "names `gitlabToken`")]
    [InlineData("a draft 2020-12 exclusiveMinimum", "exclusiveMinimum must be a boolean")]
    [InlineData("a list map key not required", "list map key `type` is not required")]
    public async Task The_structural_check_fails_on_a_hand_broken_copy(string breakage, string expected)
    {
        var schema = Schema(await PrintAsync());
        var spec = schema["properties"]!["spec"]!;
        var token = spec["properties"]!["tokens"]!["items"]!["properties"]!["value"]!;
        var scheduler = spec["properties"]!["mainStep"]!["properties"]!["strategy"]!["properties"]!["scheduler"]!;
        switch (breakage)
        {
            case "a node without a type": scheduler.AsObject().Remove("type"); break;
            case "a $ref": scheduler["properties"]!["mode"] = new JsonObject { ["$ref"] = "#/$defs/Mode" }; break;
            case "additionalProperties: false": scheduler["additionalProperties"] = false; scheduler.AsObject().Remove("properties"); break;
            case "a type list": scheduler["properties"]!["mode"]!["type"] = new JsonArray("string", "null"); break;
            case "a type inside oneOf": token["oneOf"]![0]!["type"] = "object"; break;
            case "a description inside oneOf": token["oneOf"]![0]!["description"] = "the app"; break;
            case "oneOf naming an undeclared field": token["oneOf"]![0]!["required"] = new JsonArray("gitlabToken"); break;
            case "a draft 2020-12 exclusiveMinimum": scheduler["properties"]!["maxPodNum"]!["exclusiveMinimum"] = 0; break;
            case "a list map key not required": schema["properties"]!["status"]!["properties"]!["conditions"]!["items"]!.AsObject().Remove("required"); break;
        }

        Assert.Contains(StructuralSchemaChecker.Problems(schema), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kubectl_reads_the_definition_without_a_server()
    {
        // `kubectl create --dry-run=client` needs a server for discovery even with --validate=false: `label --local`
        // is kubectl's own parse without one (the emulator's CRD tests apply it to a server).
        var crd = _cli.Write("crd.yaml", await PrintAsync());
        var (exit, stdout, stderr) = await Kubectl.RunLocalAsync("label", "--local", "-f", crd, "-o", "yaml", "kubetest.io/checked=yes");

        Assert.True(exit == 0, stderr);
        var relabelled = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(stdout);
        Assert.Equal("yes", relabelled.Metadata.Labels["kubetest.io/checked"]);
        Assert.True(JsonNode.DeepEquals(Schema(await File.ReadAllTextAsync(crd)), Schema(stdout)), "kubectl read a different schema");
    }

    [Theory]
    [InlineData("kubetest: crd takes no arguments, got 'examples/simple.yaml'", "crd", "examples/simple.yaml")]
    [InlineData("kubetest: unknown option '--namespace'", "crd", "--namespace", "ci")]
    [InlineData("kubetest: crd takes no arguments, got '\\x1b]0;x\\x07'", "crd", "\u001b]0;x\u0007")]
    [InlineData("kubetest: crd is a command only as the first word", "--dry-run", "crd")]
    public async Task Crd_with_anything_more_is_a_usage_error_that_prints_nothing_on_stdout(string expected, params string[] args)
    {
        var run = await _cli.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_file_called_crd_runs_as_a_path()
    {
        var run = await _cli.RunAsync("--dry-run", "--runtime", "local", "./crd-that-does-not-exist");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("crd-that-does-not-exist", run.Stderr, StringComparison.Ordinal);
    }

    public static JsonObject Schema(string yaml) =>
        YamlJson.Parse(yaml)!["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();

    private static string[] Fields(params string[] names) => names;

    private static string Without(JsonNode? node, string key)
    {
        var copy = node!.DeepClone().AsObject();
        copy.Remove(key);
        return copy.ToJsonString();
    }

    private async Task<string> PrintAsync()
    {
        var run = await _cli.RunAsync("crd");
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Stdout;
    }
}

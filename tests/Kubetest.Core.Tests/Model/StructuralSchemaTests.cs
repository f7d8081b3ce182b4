using System.Text.Json.Nodes;
using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>How an editor's JSON Schema becomes a CRD's structural schema, rule by rule.</summary>
public class StructuralSchemaTests
{
    [Theory]
    [InlineData("""{"type":["integer","string"]}""", """{"x-kubernetes-int-or-string":true}""")]
    [InlineData("""{"type":["string","number"]}""", """{"x-kubernetes-int-or-string":true}""")]
    [InlineData("""{"type":["string","number","boolean"]}""", """{"type":"string"}""")]
    [InlineData("""{"type":["integer","null"]}""", """{"type":"integer"}""")]
    [InlineData("""{"const":"kubetest.io/v1"}""", """{"type":"string","enum":["kubetest.io/v1"]}""")]
    [InlineData("""{"enum":[1,2,null]}""", """{"type":"integer","enum":[1,2]}""")]
    [InlineData("""{"type":"number","exclusiveMinimum":0}""", """{"type":"number","minimum":0,"exclusiveMinimum":true}""")]
    [InlineData("""{"$ref":"#/$defs/V1Container"}""", """{"type":"object","x-kubernetes-preserve-unknown-fields":true}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}""", """{"type":"object","properties":{"a":{"type":"string"}}}""")]
    [InlineData("""{"type":"object"}""", """{"type":"object","x-kubernetes-preserve-unknown-fields":true}""")]
    [InlineData("""{"oneOf":[{"type":"boolean"},{"type":"integer"}]}""", """{"x-kubernetes-preserve-unknown-fields":true}""")]
    [InlineData("""{}""", """{"x-kubernetes-preserve-unknown-fields":true}""")]
    public void A_schema_node_becomes_its_structural_form(string schema, string expected)
    {
        Assert.Equal(expected, StructuralSchema.Convert(JsonNode.Parse(schema)).ToJsonString());
    }

    [Fact]
    public void Exactly_one_of_several_objects_is_one_object_with_each_choice_a_required_field()
    {
        var schema = JsonNode.Parse("""
            {"oneOf":[
              {"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false,"required":["a"]},
              {"type":"object","properties":{"b":{"type":"integer"}},"additionalProperties":false,"required":["b"]}]}
            """);

        Assert.Equal(
            """{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"oneOf":[{"required":["a"]},{"required":["b"]}]}""",
            StructuralSchema.Convert(schema).ToJsonString());
    }

    [Theory]
    [InlineData("""{"type":"string","contentEncoding":"base64"}""", "contentEncoding")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"string"}]}""", "prefixItems")]
    public void A_keyword_the_writer_does_not_know_is_a_bug_not_passed_on(string schema, string keyword)
    {
        var error = Assert.Throws<InvalidOperationException>(() => StructuralSchema.Convert(JsonNode.Parse(schema)));

        Assert.Contains($"`{keyword}`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_manifest_schema_converts_without_an_unknown_keyword()
    {
        var spec = StructuralSchema.Convert(ManifestSchema.Build()["properties"]!["spec"]);

        Assert.DoesNotContain("$ref", spec.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(["mainStep"], spec["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }
}

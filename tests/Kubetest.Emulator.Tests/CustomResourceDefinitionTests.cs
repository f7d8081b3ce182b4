using System.Net;
using System.Text.Json.Nodes;

namespace Kubetest.Emulator.Tests;

/// <summary>CustomResourceDefinitions: stored, established at once, in discovery, admin-only, and refused when hostile.</summary>
public class CustomResourceDefinitionTests : CustomResourceTestBase
{
    private const string Crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

    [Fact]
    public async Task An_installed_crd_is_established_and_its_group_version_and_resources_appear_in_discovery()
    {
        Emulator.InstallCrd(CrdYaml);

        var (code, crd) = await SendAsync(HttpMethod.Get, Crds + "/testjobs.kubetest.io");
        var groups = (await SendAsync(HttpMethod.Get, "/apis")).Body;
        var group = (await SendAsync(HttpMethod.Get, "/apis/kubetest.io")).Body;
        var resources = (await SendAsync(HttpMethod.Get, "/apis/kubetest.io/v1")).Body;
        var extensions = (await SendAsync(HttpMethod.Get, "/apis/apiextensions.k8s.io/v1")).Body;

        Assert.Equal(HttpStatusCode.OK, code);
        var conditions = crd["status"]!["conditions"]!.AsArray().Select(c => (c!["type"]!.ToString(), c["status"]!.ToString())).ToList();
        Assert.Contains(("Established", "True"), conditions);
        Assert.Contains(("NamesAccepted", "True"), conditions);
        Assert.Equal("testjobs", crd["status"]!["acceptedNames"]!["plural"]!.ToString());
        Assert.Contains("kubetest.io", groups["groups"]!.AsArray().Select(g => g!["name"]!.ToString()));
        Assert.Contains("apiextensions.k8s.io", groups["groups"]!.AsArray().Select(g => g!["name"]!.ToString()));
        Assert.Equal("kubetest.io/v1", group["preferredVersion"]!["groupVersion"]!.ToString());
        var listed = resources["resources"]!.AsArray().ToDictionary(r => r!["name"]!.ToString());
        Assert.Equal(["testjobs", "testjobs/status"], listed.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("testjob", "TestJob", true), (listed["testjobs"]!["singularName"]!.ToString(), listed["testjobs"]!["kind"]!.ToString(), (bool)listed["testjobs"]!["namespaced"]!));
        Assert.Contains("watch", listed["testjobs"]!["verbs"]!.AsArray().Select(v => v!.ToString()));
        Assert.Contains("customresourcedefinitions", extensions["resources"]!.AsArray().Select(r => r!["name"]!.ToString()));
    }

    [Fact]
    public async Task Only_admin_may_create_a_crd_and_a_second_one_of_the_same_name_already_exists()
    {
        var json = k8s.KubernetesJson.Serialize(k8s.KubernetesYaml.Deserialize<k8s.Models.V1CustomResourceDefinition>(CrdYaml));

        var forbidden = await SendAsync(HttpMethod.Post, Crds, json, identity: "kubetest");
        var created = await SendAsync(HttpMethod.Post, Crds, json);
        var again = await SendAsync(HttpMethod.Post, Crds, json);
        var list = await SendAsync(HttpMethod.Get, Crds + "?fieldSelector=metadata.name%3Dtestjobs.kubetest.io");

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Code);
        Assert.Equal("customresourcedefinitions.apiextensions.k8s.io is forbidden: User \"system:serviceaccount:default:kubetest\" cannot create resource \"customresourcedefinitions\" in API group \"apiextensions.k8s.io\" at the cluster scope", forbidden.Body["message"]!.ToString());
        Assert.Equal(HttpStatusCode.Created, created.Code);
        Assert.Equal(HttpStatusCode.Conflict, again.Code);
        Assert.Equal("AlreadyExists", again.Body["reason"]!.ToString());
        Assert.Equal("testjobs.kubetest.io", Assert.Single(list.Body["items"]!.AsArray())!["metadata"]!["name"]!.ToString());
    }

    [Fact]
    public async Task Deleting_a_crd_deletes_its_resources_and_its_endpoints_are_then_not_found()
    {
        Emulator.InstallCrd(CrdYaml);
        await CreateAsync(TestJob("one"));

        var deleted = await SendAsync(HttpMethod.Delete, Crds + "/testjobs.kubetest.io");
        var after = await SendAsync(HttpMethod.Get, TestJobs + "/one");
        var discovery = await SendAsync(HttpMethod.Get, "/apis/kubetest.io/v1");

        Assert.Equal(HttpStatusCode.OK, deleted.Code);
        Assert.Empty(Emulator.StoredCustomResources("kubetest.io", "testjobs", Ns));
        Assert.Equal(HttpStatusCode.NotFound, after.Code);
        Assert.Equal("the server could not find the requested resource", after.Body["message"]!.ToString());
        Assert.Equal(HttpStatusCode.NotFound, discovery.Code);
    }

    [Fact]
    public async Task A_crd_whose_schema_nests_ten_thousand_deep_is_refused_as_invalid_and_the_server_keeps_serving()
    {
        var schema = string.Concat(Enumerable.Repeat("{\"type\":\"object\",\"properties\":{\"a\":", 10_000)) + "{\"type\":\"string\"}" + new string('}', 20_000);
        var crd = "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\",\"metadata\":{\"name\":\"deeps.example.com\"},"
            + "\"spec\":{\"group\":\"example.com\",\"scope\":\"Namespaced\",\"names\":{\"plural\":\"deeps\",\"kind\":\"Deep\"},"
            + "\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":" + schema + "}}]}}";

        var (code, body) = await SendAsync(HttpMethod.Post, Crds, crd);
        var list = await SendAsync(HttpMethod.Get, Crds);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.StartsWith("CustomResourceDefinition.apiextensions.k8s.io \"deeps.example.com\" is invalid: spec.versions[0].schema.openAPIV3Schema", body["message"]!.ToString(), StringComparison.Ordinal);
        Assert.Contains("nests deeper than 64 levels", body["message"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, list.Code);
        Assert.Empty(list.Body["items"]!.AsArray());
    }

    [Fact]
    public async Task A_crd_without_group_or_with_a_name_that_is_not_plural_dot_group_is_invalid_naming_each_field()
    {
        const string Crd = "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\",\"metadata\":{\"name\":\"wrong.example.com\"},"
            + "\"spec\":{\"group\":\"example.com\",\"scope\":\"Somewhere\",\"names\":{\"plural\":\"things\",\"kind\":\"Thing\"},\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true}]}}";

        var (code, body) = await SendAsync(HttpMethod.Post, Crds, Crd);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal(
            "CustomResourceDefinition.apiextensions.k8s.io \"wrong.example.com\" is invalid: [spec.scope: Unsupported value: \"Somewhere\": supported values: \"Cluster\", \"Namespaced\", metadata.name: Invalid value: \"wrong.example.com\": must be spec.names.plural+\".\"+spec.group]",
            body["message"]!.ToString());
        Assert.Equal(["spec.scope", "metadata.name"], body["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.ToString()));
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace Kubetest.Emulator.Tests;

/// <summary>TestJobs checked against the CRD's schema with the API server's messages, pruned, bounded; Tables and watches of them.</summary>
public class CustomResourceValidationTests : CustomResourceTestBase
{
    public CustomResourceValidationTests()
        : base(new EmulatorOptions { WatchHistory = 3 })
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Emulator.InstallCrd(CrdYaml);
    }

    [Fact]
    public async Task A_testjob_without_main_step_is_invalid_with_the_api_servers_message_and_causes()
    {
        var (code, body) = await SendAsync(HttpMethod.Post, TestJobs, "{\"apiVersion\":\"kubetest.io/v1\",\"kind\":\"TestJob\",\"metadata\":{\"name\":\"x\"},\"spec\":{}}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("Invalid", body["reason"]!.ToString());
        Assert.Equal("TestJob.kubetest.io \"x\" is invalid: spec.mainStep: Required value", body["message"]!.ToString());
        var cause = Assert.Single(body["details"]!["causes"]!.AsArray())!;
        Assert.Equal(("FieldValueRequired", "spec.mainStep", "Required value"), (cause["reason"]!.ToString(), cause["field"]!.ToString(), cause["message"]!.ToString()));
        Assert.Empty(Emulator.StoredCustomResources("kubetest.io", "testjobs", Ns));
    }

    [Fact]
    public async Task Several_schema_errors_are_listed_together_in_brackets()
    {
        var json = TestJob("x").Replace("\"mainStep\":{", "\"mainStep\":{\"strategy\":{\"failFast\":\"yes\",\"scheduler\":{\"maxPodNum\":-1}},", StringComparison.Ordinal);

        var (code, body) = await SendAsync(HttpMethod.Post, TestJobs, json);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        var message = body["message"]!.ToString();
        Assert.StartsWith("TestJob.kubetest.io \"x\" is invalid: [", message, StringComparison.Ordinal);
        Assert.Contains("spec.mainStep.strategy.failFast: Invalid value: \"string\": spec.mainStep.strategy.failFast in body must be of type boolean: \"string\"", message, StringComparison.Ordinal);
        Assert.Contains("spec.mainStep.strategy.scheduler.maxPodNum: Invalid value: -1: spec.mainStep.strategy.scheduler.maxPodNum in body should be greater than or equal to 0", message, StringComparison.Ordinal);
        Assert.Contains("spec.mainStep.strategy.key: Required value", message, StringComparison.Ordinal);
        Assert.EndsWith("]", message, StringComparison.Ordinal);
        Assert.Contains("FieldValueTypeInvalid", body["details"]!["causes"]!.AsArray().Select(c => c!["reason"]!.ToString()));
    }

    [Fact]
    public async Task Unknown_fields_are_pruned_silently_but_kept_under_preserve_unknown_fields()
    {
        var json = TestJob("x", "\"extra\":1").Replace("\"image\":\"alpine\"", "\"image\":\"alpine\",\"securityContext\":{\"runAsUser\":1}", StringComparison.Ordinal)
            .Replace("\"mainStep\":{", "\"unknownTop\":true,\"mainStep\":{", StringComparison.Ordinal);

        var created = await CreateAsync(json);

        Assert.Null(created["extra"]);
        Assert.Null(created["spec"]!["unknownTop"]);
        Assert.Equal("1", created["spec"]!["mainStep"]!["template"]!["spec"]!["containers"]![0]!["securityContext"]!["runAsUser"]!.ToString());
    }

    [Fact]
    public async Task A_body_of_another_api_version_is_a_bad_request()
    {
        var (code, body) = await SendAsync(HttpMethod.Post, TestJobs, TestJob("x").Replace("kubetest.io/v1", "kubetest.io/v2", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("the API version in the data (kubetest.io/v2) does not match the expected API version (kubetest.io/v1)", body["message"]!.ToString());
    }

    [Fact]
    public async Task A_spec_of_a_megabyte_of_nested_arrays_is_refused_and_the_server_keeps_serving()
    {
        var nested = new string('[', 500_000) + new string(']', 500_000);
        var json = TestJob("deep", "\"junk\":" + nested);

        var (code, body) = await SendAsync(HttpMethod.Post, TestJobs, json);
        var list = await SendAsync(HttpMethod.Get, TestJobs);

        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("the body of the request was in an unknown format", body["message"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, list.Code);
        Assert.Empty(list.Body["items"]!.AsArray());
    }

    [Fact]
    public async Task A_body_over_one_and_a_half_mebibytes_is_request_entity_too_large()
    {
        var json = TestJob("big").Replace("\"image\":\"alpine\"", "\"image\":\"" + new string('a', 1600 * 1024) + "\"", StringComparison.Ordinal);

        var (code, body) = await SendAsync(HttpMethod.Post, TestJobs, json);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, code);
        Assert.Equal(("RequestEntityTooLarge", "Request entity too large: limit is 1572864"), (body["reason"]!.ToString(), body["message"]!.ToString()));
    }

    [Fact]
    public async Task A_table_has_name_and_the_printer_columns_with_ages_for_dates()
    {
        await CreateAsync(TestJob("one"));
        await SendAsync(HttpMethod.Patch, TestJobs + "/one/status", "{\"status\":{\"phase\":\"Running\",\"totalNum\":4}}", contentType: "application/merge-patch+json");

        var (code, table) = await SendAsync(HttpMethod.Get, TestJobs, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Table", table["kind"]!.ToString());
        Assert.Equal(["Name", "Phase", "Keys", "Passed", "Failed", "Age"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.ToString()));
        var cells = Assert.Single(table["rows"]!.AsArray())!["cells"]!.AsArray();
        Assert.Equal("one", cells[0]!.ToString());
        Assert.Equal("Running", cells[1]!.ToString());
        Assert.Equal(4, cells[2]!.GetValue<int>());
        Assert.Null(cells[3]);
        Assert.Matches("^[0-9]+s$", cells[5]!.ToString());
    }

    [Fact]
    public async Task A_watch_resumes_after_a_resource_version_the_history_holds_and_one_older_than_the_history_is_gone()
    {
        await CreateAsync(TestJob("a"));
        var second = await CreateAsync(TestJob("b"));
        await CreateAsync(TestJob("c"));
        await CreateAsync(TestJob("d"));
        await CreateAsync(TestJob("e"));
        using var client = RawClient("admin");

        var resumed = await client.GetStringAsync($"{TestJobs}?watch=1&resourceVersion={Meta(second, "resourceVersion")}&timeoutSeconds=1");
        var gone = await client.GetStringAsync($"{TestJobs}?watch=1&resourceVersion={long.Parse(Meta(second, "resourceVersion"), System.Globalization.CultureInfo.InvariantCulture) - 1}&timeoutSeconds=1");

        var names = resumed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).Select(e => (e["type"]!.ToString(), Meta(e["object"]!.AsObject(), "name")));
        Assert.Equal([("ADDED", "c"), ("ADDED", "d"), ("ADDED", "e")], names);
        var error = JsonNode.Parse(gone.Split('\n')[0])!;
        Assert.Equal(("ERROR", 410, "Expired"), (error["type"]!.ToString(), error["object"]!["code"]!.GetValue<int>(), error["object"]!["reason"]!.ToString()));
    }

    [Fact]
    public async Task An_unknown_group_or_plural_is_not_found_like_the_api_server()
    {
        var group = await SendAsync(HttpMethod.Get, "/apis/nothing.example.com/v1/namespaces/default/testjobs");
        var version = await SendAsync(HttpMethod.Post, "/apis/kubetest.io/v9/namespaces/default/testjobs", TestJob("x"));

        Assert.Equal((HttpStatusCode.NotFound, "the server could not find the requested resource"), (group.Code, group.Body["message"]!.ToString()));
        Assert.Equal(HttpStatusCode.NotFound, version.Code);
    }
}

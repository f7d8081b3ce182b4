using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Kubetest.Emulator.Tests;

/// <summary>An emulator with the TestJob CRD of deploy/crd.yaml installed, and raw HTTP calls that show the API server's exact answers.</summary>
public abstract class CustomResourceTestBase : EmulatorTestBase
{
    protected const string TestJobs = "/apis/kubetest.io/v1/namespaces/default/testjobs";

    protected CustomResourceTestBase(EmulatorOptions? options = null)
        : base(options)
    {
    }

    protected static string CrdYaml => File.ReadAllText(Path.Combine(RepositoryRoot, "deploy", "crd.yaml"));

    protected static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kubetest.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("no Kubetest.slnx above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>A valid TestJob named <paramref name="name"/>, with <paramref name="extra"/> fields merged into its top level.</summary>
    protected static string TestJob(string name, string extra = "") =>
        "{\"apiVersion\":\"kubetest.io/v1\",\"kind\":\"TestJob\",\"metadata\":{\"name\":\"" + name + "\"},"
        + "\"spec\":{\"mainStep\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"test\",\"image\":\"alpine\",\"command\":[\"echo\"]}]}}}}"
        + (extra.Length > 0 ? "," + extra : string.Empty) + "}";

    protected async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, string? body = null, string identity = "admin", string contentType = "application/json", string? accept = null)
    {
        using var client = RawClient(identity);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException(text));
    }

    protected async Task<JsonObject> CreateAsync(string json)
    {
        var (code, body) = await SendAsync(HttpMethod.Post, TestJobs, json);
        Assert.True(code == HttpStatusCode.Created, body.ToJsonString());
        return body;
    }

    protected static string Meta(JsonObject item, string field) => item["metadata"]?[field]?.ToString() ?? string.Empty;
}

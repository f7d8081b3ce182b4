using System.Text;
using k8s;

namespace Kubetest.Emulator;

/// <summary>Reading and writing API objects the way the API server does (JSON, Status for errors).</summary>
internal static class Api
{
    public const string Json = "application/json";

    public static async Task WriteAsync(HttpContext context, object value, int statusCode = 200)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = Json;
        var body = value is string text ? text : Serialize(value);
        await context.Response.WriteAsync(body, Encoding.UTF8, context.RequestAborted);
    }

    public static string Serialize(object value) =>
        value is k8s.Models.V1Status status ? Statuses.ToJson(status) : KubernetesJson.Serialize(value);

    public static async Task<T> ReadAsync<T>(HttpContext context)
    {
        // kubectl's typed generators (create configmap, create secret) send protobuf, which only a real API server reads.
        if (context.Request.ContentType?.Contains("protobuf", StringComparison.OrdinalIgnoreCase) == true)
        {
            throw new StatusException(Statuses.Failure(415, "UnsupportedMediaType", $"the emulator reads JSON bodies only, not {context.Request.ContentType} (use kubectl create -f with a manifest)"));
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        if (string.IsNullOrWhiteSpace(body))
        {
            throw Statuses.BadRequest("the request body is empty");
        }

        try
        {
            return KubernetesJson.Deserialize<T>(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw Statuses.BadRequest($"the body of the request was in an unknown format: {e.Message}");
        }
    }

    /// <summary>The body when there is one (DELETE may carry DeleteOptions), else null.</summary>
    public static async Task<T?> ReadOptionalAsync<T>(HttpContext context)
        where T : class
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        return string.IsNullOrWhiteSpace(body) ? null : KubernetesJson.Deserialize<T>(body);
    }

    public static string? Query(HttpContext context, string name) =>
        context.Request.Query.TryGetValue(name, out var values) && values.Count > 0 ? values[^1] : null;

    public static bool QueryFlag(HttpContext context, string name) =>
        Query(context, name) is "true" or "1" or "True";

    public static Identity Identity(HttpContext context) => (Identity)context.Items[nameof(Identity)]!;

    public static string Now(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
}

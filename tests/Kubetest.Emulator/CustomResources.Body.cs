using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>Untyped bodies, bounded: the API server takes at most 3 MiB per request, the emulator 1.5 MiB, and JSON nested at most 100 deep.</summary>
internal static partial class CustomResources
{
    public const int MaxBodyBytes = 1536 * 1024;
    public const int MaxJsonDepth = 100;

    /// <summary>Reads a JSON body; a CRD's may nest deeper (checked by <see cref="Schema"/>, without recursion, before it is used).</summary>
    public static async Task<JsonNode> ReadAsync(HttpContext context, int maxDepth = MaxJsonDepth) => Parse(await ReadBytesAsync(context), maxDepth);

    public static JsonNode Parse(byte[] body, int maxDepth)
    {
        try
        {
            return JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = maxDepth })
                ?? throw Statuses.BadRequest("the body of the request was null");
        }
        catch (JsonException e)
        {
            throw Statuses.BadRequest($"the body of the request was in an unknown format: {e.Message}");
        }
    }

    /// <summary>Whether <paramref name="body"/> nests at most <paramref name="maxDepth"/> deep (read without recursion).</summary>
    public static bool Shallow(byte[] body, int maxDepth)
    {
        try
        {
            using var _ = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = maxDepth });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static async Task<byte[]> ReadBytesAsync(HttpContext context)
    {
        var type = context.Request.ContentType ?? string.Empty;
        if (type.Contains("protobuf", StringComparison.OrdinalIgnoreCase) || type.Contains("yaml", StringComparison.OrdinalIgnoreCase))
        {
            throw new StatusException(Statuses.Failure(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, {JsonPatches.Json}, {JsonPatches.Merge}"));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new StatusException(Statuses.Failure(413, "RequestEntityTooLarge", $"Request entity too large: limit is {MaxBodyBytes}"));
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw Statuses.BadRequest("the request body is empty");
        }

        return buffer.ToArray();
    }

    /// <summary>Refuses an object that grew too big or too deep by a patch (its body alone was in bounds).</summary>
    public static void CheckBounds(JsonObject item)
    {
        var text = item.ToJsonString();
        if (Encoding.UTF8.GetByteCount(text) > MaxBodyBytes)
        {
            throw new StatusException(Statuses.Failure(413, "RequestEntityTooLarge", $"Request entity too large: limit is {MaxBodyBytes}"));
        }

        if (!Shallow(Encoding.UTF8.GetBytes(text), MaxJsonDepth))
        {
            throw Statuses.BadRequest($"the object would nest deeper than {MaxJsonDepth} levels");
        }
    }

    /// <summary>The API server's 422: <c>Kind.group "name" is invalid: field: message</c>, several in <c>[…]</c> joined by ", ".</summary>
    public static StatusException Invalid(string kind, string group, string name, IReadOnlyList<V1StatusCause> causes)
    {
        var each = causes.Select(c => c.Field.Length == 0 ? c.Message : $"{c.Field}: {c.Message}").ToList();
        var summary = each.Count == 1 ? each[0] : "[" + string.Join(", ", each) + "]";
        return new(Statuses.Failure(
            422,
            "Invalid",
            $"{kind}.{group} \"{name}\" is invalid: {summary}",
            new V1StatusDetails { Name = name, Kind = kind, Group = group, Causes = [.. causes] }));
    }

    private static StatusException NoSuchResource() =>
        new(Statuses.Failure(404, "NotFound", "the server could not find the requested resource"));
}

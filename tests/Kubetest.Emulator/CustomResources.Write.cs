using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>What the API server makes of a written custom resource: server-owned metadata, status subresource, finalizers, generation, schema.</summary>
internal static partial class CustomResources
{
    private static readonly string[] ServerOwned = ["uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace"];

    /// <summary>Checks the envelope of a body (apiVersion, kind, metadata's shape, namespace) and fills it in.</summary>
    private static JsonObject Prepare(Crd crd, CrdVersion served, JsonObject body, string ns)
    {
        var expected = crd.Group + "/" + served.Name;
        if (body["apiVersion"] is { } apiVersion && apiVersion.ToString() != expected)
        {
            throw Statuses.BadRequest($"the API version in the data ({apiVersion.ToJsonString().Trim('"')}) does not match the expected API version ({expected})");
        }

        if (body["kind"] is { } kind && kind.ToString() != crd.Kind)
        {
            throw Statuses.BadRequest($"the kind in the data ({kind.ToJsonString().Trim('"')}) does not match the expected kind ({crd.Kind})");
        }

        body["apiVersion"] = expected;
        body["kind"] = crd.Kind;
        if (body["metadata"] is null)
        {
            body["metadata"] = new JsonObject();
        }

        if (body["metadata"] is not JsonObject metadata)
        {
            throw Statuses.BadRequest("metadata: the object's metadata is not a JSON object");
        }

        foreach (var field in new[] { "name", "generateName", "namespace", "uid", "resourceVersion" })
        {
            if (metadata[field] is { } value && (value is not JsonValue v || !v.TryGetValue<string>(out _)))
            {
                throw Statuses.BadRequest($"metadata.{field}: must be a string");
            }
        }

        if (metadata["finalizers"] is { } finalizers && (finalizers is not JsonArray list || list.Any(f => f is not JsonValue fv || !fv.TryGetValue<string>(out _))))
        {
            throw Statuses.BadRequest("metadata.finalizers: must be a list of strings");
        }

        if (Store.CustomObjects.Meta(body, "namespace") is { Length: > 0 } bodyNs && bodyNs != ns)
        {
            throw Statuses.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        metadata["namespace"] = ns;
        return body;
    }

    private static JsonObject Created(Crd crd, CrdVersion served, JsonObject item)
    {
        var metadata = (JsonObject)item["metadata"]!;
        var name = Store.CustomObjects.Meta(item, "name");
        var generateName = Store.CustomObjects.Meta(item, "generateName");
        if (name.Length == 0 && generateName.Length > 0)
        {
            name = generateName + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()[..5];
            metadata["name"] = name;
        }

        var causes = Validation.ObjectName(name, generateName);
        if (causes.Count > 0)
        {
            throw Invalid(crd.Kind, crd.Group, name, causes);
        }

        foreach (var field in ServerOwned.Append("resourceVersion").Where(f => f != "namespace"))
        {
            metadata.Remove(field);
        }

        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = Api.Now(DateTime.UtcNow);
        metadata["generation"] = 1;
        if (served.StatusSubresource)
        {
            // With the status subresource, only /status writes the status.
            item.Remove("status");
        }

        Check(crd, served, item, item);
        return item;
    }

    /// <summary>The object that replaces <paramref name="stored"/>: all of <paramref name="body"/> on the main endpoint, only its status on /status.</summary>
    private static JsonObject Updated(Crd crd, CrdVersion served, JsonObject stored, JsonObject body, string name, bool status, bool requireVersion)
    {
        var bodyName = Store.CustomObjects.Meta(body, "name");
        if (bodyName != name)
        {
            throw Statuses.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var read = Store.CustomObjects.Meta(body, "resourceVersion");
        if (read.Length == 0 && requireVersion)
        {
            throw Invalid(crd.Kind, crd.Group, name, [new V1StatusCause { Reason = "FieldValueInvalid", Field = "metadata.resourceVersion", Message = "Invalid value: 0x0: must be specified for an update" }]);
        }

        if (read.Length > 0 && read != Store.CustomObjects.Meta(stored, "resourceVersion"))
        {
            throw Statuses.Conflict(crd.Plural, name, crd.Group);
        }

        if (status)
        {
            var result = (JsonObject)stored.DeepClone();
            Replace(result, "status", body["status"]);
            Check(crd, served, result, stored);
            return result;
        }

        var uid = Store.CustomObjects.Meta(body, "uid");
        if (uid.Length > 0 && uid != Store.CustomObjects.Meta(stored, "uid"))
        {
            throw Invalid(crd.Kind, crd.Group, name, [new V1StatusCause { Reason = "FieldValueInvalid", Field = "metadata.uid", Message = $"Invalid value: \"{uid}\": field is immutable" }]);
        }

        var metadata = (JsonObject)body["metadata"]!;
        foreach (var field in ServerOwned)
        {
            Replace(metadata, field, stored["metadata"]?[field]);
        }

        metadata["resourceVersion"] = Store.CustomObjects.Meta(stored, "resourceVersion");
        if (stored["metadata"]?["deletionTimestamp"] is not null)
        {
            var had = Finalizers(stored);
            var added = Finalizers(body).Where(f => !had.Contains(f)).ToList();
            if (added.Count > 0)
            {
                var list = "[]string{" + string.Join(", ", added.Select(f => $"\"{f}\"")) + "}";
                throw Invalid(crd.Kind, crd.Group, name, [new V1StatusCause { Reason = "FieldValueForbidden", Field = "metadata.finalizers", Message = $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers {list}" }]);
            }
        }

        if (served.StatusSubresource)
        {
            Replace(body, "status", stored["status"]);
        }

        Check(crd, served, body, stored);
        if (!JsonNode.DeepEquals(Content(body, served), Content(stored, served)))
        {
            var generation = long.TryParse(stored["metadata"]?["generation"]?.ToJsonString(), out var g) ? g : 1;
            metadata["generation"] = generation + 1;
        }

        return body;
    }

    /// <summary>Prunes and validates <paramref name="item"/> against the served version's schema; 422 with every cause.</summary>
    private static void Check(Crd crd, CrdVersion served, JsonObject item, JsonObject original)
    {
        var causes = served.Schema?.Validate(item, prune: true) ?? [];
        if (causes.Count > 0)
        {
            throw Invalid(crd.Kind, crd.Group, Store.CustomObjects.Meta(original, "name"), causes);
        }
    }

    /// <summary>What generation counts: everything but metadata, and but status when it has its own endpoint.</summary>
    private static JsonObject Content(JsonObject item, CrdVersion served)
    {
        var content = (JsonObject)item.DeepClone();
        content.Remove("metadata");
        if (served.StatusSubresource)
        {
            content.Remove("status");
        }

        return content;
    }

    private static HashSet<string> Finalizers(JsonObject item) =>
        item["metadata"]?["finalizers"] is JsonArray list ? list.Select(f => f?.ToString() ?? string.Empty).ToHashSet(StringComparer.Ordinal) : [];

    private static void Replace(JsonObject target, string field, JsonNode? value)
    {
        target.Remove(field);
        if (value is not null)
        {
            target[field] = value.DeepClone();
        }
    }
}

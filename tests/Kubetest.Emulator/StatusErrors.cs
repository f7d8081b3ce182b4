using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>An API error: becomes a Kubernetes <c>Status</c> body with the HTTP code of its reason.</summary>
internal sealed class StatusException : Exception
{
    public StatusException(V1Status status)
        : base(status.Message) => Status = status;

    public StatusException()
        : this(Statuses.Failure(500, "InternalError", "internal error"))
    {
    }

    public StatusException(string message)
        : this(Statuses.Failure(500, "InternalError", message))
    {
    }

    public StatusException(string message, Exception innerException)
        : base(message, innerException) => Status = Statuses.Failure(500, "InternalError", message);

    public V1Status Status { get; }

    public int Code => Status.Code ?? 500;
}

internal static class Statuses
{
    public static V1Status Failure(int code, string reason, string message, V1StatusDetails? details = null) => new()
    {
        Kind = "Status",
        ApiVersion = "v1",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Reason = reason,
        Code = code,
        Message = message,
        Details = details,
    };

    public static StatusException NotFound(string resource, string name, string? group = null) =>
        new(Failure(404, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found", new V1StatusDetails { Name = name, Kind = resource, Group = group }));

    public static StatusException AlreadyExists(string resource, string name, string? group = null) =>
        new(Failure(409, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists", new V1StatusDetails { Name = name, Kind = resource, Group = group }));

    /// <summary>A write based on an old resourceVersion, worded as the API server's.</summary>
    public static StatusException Conflict(string resource, string name, string? group = null) =>
        new(Failure(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", new V1StatusDetails { Name = name, Kind = resource, Group = group }));

    public static StatusException BadRequest(string message) => new(Failure(400, "BadRequest", message));

    public static StatusException Gone(string message) => new(Failure(410, "Expired", message));

    public static StatusException Invalid(string kind, string name, IReadOnlyList<V1StatusCause> causes, string? group = null)
    {
        var summary = string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"));
        return new(Failure(
            422,
            "Invalid",
            $"{kind}.{(string.IsNullOrEmpty(group) ? string.Empty : group)} \"{name}\" is invalid: {summary}".Replace(". \"", " \"", StringComparison.Ordinal),
            new V1StatusDetails { Name = name, Kind = kind, Group = group, Causes = [.. causes] }));
    }

    public static StatusException MethodNotAllowed(string message) => new(Failure(405, "MethodNotAllowed", message));

    public static string Qualified(string resource, string? group) =>
        string.IsNullOrEmpty(group) ? resource : $"{resource}.{group}";

    /// <summary>The wire form of a Status (the client library's converter for V1Status only reads).</summary>
    public static string ToJson(V1Status status)
    {
        var json = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = status.Status,
        };
        if (status.Message is not null)
        {
            json["message"] = status.Message;
        }

        if (status.Reason is not null)
        {
            json["reason"] = status.Reason;
        }

        if (status.Details is { } d)
        {
            var details = new JsonObject();
            Add(details, "name", d.Name);
            Add(details, "group", d.Group);
            Add(details, "kind", d.Kind);
            Add(details, "uid", d.Uid);
            if (d.Causes is { Count: > 0 })
            {
                var causes = new JsonArray();
                foreach (var c in d.Causes)
                {
                    var cause = new JsonObject();
                    Add(cause, "reason", c.Reason);
                    Add(cause, "message", c.Message);
                    Add(cause, "field", c.Field);
                    causes.Add(cause);
                }

                details["causes"] = causes;
            }

            if (d.RetryAfterSeconds is { } retry)
            {
                details["retryAfterSeconds"] = retry;
            }

            json["details"] = details;
        }

        if (status.Code is { } code)
        {
            json["code"] = code;
        }

        return json.ToJsonString();
    }

    private static void Add(JsonObject json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json[name] = value;
        }
    }

    public static HttpStatusCode HttpCode(V1Status status) => (HttpStatusCode)(status.Code ?? 500);
}

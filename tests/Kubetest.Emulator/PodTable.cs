using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>The server-side printing kubectl asks for (meta.k8s.io/v1 Table), with the columns of the API server's pod printer.</summary>
internal static class PodTable
{
    public static bool Wanted(HttpContext context) =>
        context.Request.Headers.Accept.Any(a => a is not null && a.Contains("as=Table", StringComparison.Ordinal) && a.Contains("v=v1;", StringComparison.Ordinal));

    public static object Render(V1PodList list) => new Dictionary<string, object?>
    {
        ["kind"] = "Table",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = new V1ListMeta { ResourceVersion = list.Metadata?.ResourceVersion },
        ["columnDefinitions"] = new[]
        {
            Column("Name", "string", "name", "Name must be unique within a namespace.", 0),
            Column("Ready", "string", string.Empty, "The aggregate readiness state of this pod for accepting traffic.", 0),
            Column("Status", "string", string.Empty, "The aggregate status of the containers in this pod.", 0),
            Column("Restarts", "string", string.Empty, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0),
            Column("Age", "string", string.Empty, "CreationTimestamp is a timestamp representing the server time when this object was created.", 0),
            Column("IP", "string", string.Empty, "IP address allocated to the pod.", 1),
            Column("Node", "string", string.Empty, "Name of the node where the pod is scheduled.", 1),
        },
        ["rows"] = list.Items.Select(Row).ToList(),
    };

    public static string Status(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return "Terminating";
        }

        var inits = pod.Status?.InitContainerStatuses ?? [];
        for (var i = 0; i < inits.Count; i++)
        {
            var state = inits[i].State;
            if (state?.Terminated is { ExitCode: not 0 })
            {
                return "Init:" + (state.Terminated.Reason ?? "Error");
            }

            if (state?.Terminated is null)
            {
                return state?.Waiting?.Reason is { } w && w != "PodInitializing" ? "Init:" + w : $"Init:{i}/{inits.Count}";
            }
        }

        var reason = pod.Status?.Reason ?? pod.Status?.Phase ?? "Unknown";
        foreach (var status in pod.Status?.ContainerStatuses ?? [])
        {
            if (status.State?.Waiting?.Reason is { } waiting)
            {
                reason = waiting;
            }
            else if (status.State?.Terminated is { } terminated && pod.Status?.Phase != "Running")
            {
                reason = terminated.Reason ?? (terminated.ExitCode == 0 ? "Completed" : "Error");
            }
        }

        return reason;
    }

    private static Dictionary<string, object?> Row(V1Pod pod)
    {
        var statuses = pod.Status?.ContainerStatuses ?? [];
        var ready = $"{statuses.Count(s => s.Ready)}/{pod.Spec.Containers.Count}";
        return new Dictionary<string, object?>
        {
            ["cells"] = new object?[]
            {
                pod.Name(),
                ready,
                Status(pod),
                statuses.Sum(s => s.RestartCount),
                Age(pod.Metadata.CreationTimestamp),
                pod.Status?.PodIP ?? "<none>",
                pod.Spec.NodeName ?? "<none>",
            },
            ["object"] = new Dictionary<string, object?>
            {
                ["kind"] = "PartialObjectMetadata",
                ["apiVersion"] = "meta.k8s.io/v1",
                ["metadata"] = pod.Metadata,
            },
        };
    }

    private static Dictionary<string, object> Column(string name, string type, string format, string description, int priority) => new()
    {
        ["name"] = name,
        ["type"] = type,
        ["format"] = format,
        ["description"] = description,
        ["priority"] = priority,
    };

    private static string Age(DateTime? created)
    {
        if (created is null)
        {
            return "<unknown>";
        }

        var age = DateTime.UtcNow - created.Value.ToUniversalTime();
        return age.TotalSeconds < 120 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
            : age.TotalMinutes < 120 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }
}

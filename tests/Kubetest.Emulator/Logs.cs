using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>pods/log: a container's output, and with follow=true whatever it writes until it ends.</summary>
internal static class Logs
{
    /// <summary>Where the last <paramref name="tailLines"/> lines of what the log holds now begin (0: all of it).</summary>
    private static long TailOffset(ContainerLog log, string? tailLines)
    {
        if (!int.TryParse(tailLines, out var lines) || lines < 0)
        {
            return 0;
        }

        var (bytes, _, _) = log.Read(0);
        if (lines == 0)
        {
            return bytes.Length;
        }

        // The newline that ends the last line does not start another one.
        var end = bytes.Length > 0 && bytes[^1] == (byte)'\n' ? bytes.Length - 1 : bytes.Length;
        for (var i = end - 1; i >= 0; i--)
        {
            if (bytes[i] == (byte)'\n' && --lines == 0)
            {
                return i + 1;
            }
        }

        return 0;
    }

    public static void Map(IEndpointRouteBuilder app, Store store, JobController controller)
    {
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}/log", async (HttpContext c, string ns, string name) =>
        {
            var follow = Api.QueryFlag(c, "follow");
            Rbac.Authorize(Api.Identity(c), "get", string.Empty, "pods", "log", ns, name);
            var pod = store.GetPod(ns, name) ?? throw Statuses.NotFound("pods", name);
            var container = Containers.Choose(pod, Api.Query(c, "container"));
            var status = (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? []).FirstOrDefault(s => s.Name == container);
            var run = controller.Kubelet.Find(ns, name);
            if (run is null || status?.State?.Waiting is { } && pod.Status?.Phase == "Pending" && (pod.Spec.InitContainers ?? []).All(i => i.Name != container))
            {
                var reason = status?.State?.Waiting?.Reason ?? "ContainerCreating";
                throw Statuses.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: {reason}");
            }

            var log = run.Logs[container];
            c.Response.StatusCode = 200;
            c.Response.ContentType = "text/plain";
            await c.Response.StartAsync(c.RequestAborted);
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted, c.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            long offset = TailOffset(log, Api.Query(c, "tailLines"));
            while (true)
            {
                var (bytes, closed, changed) = log.Read(offset);
                if (bytes.Length > 0)
                {
                    await c.Response.Body.WriteAsync(bytes, c.RequestAborted);
                    await c.Response.Body.FlushAsync(c.RequestAborted);
                    offset += bytes.Length;
                }

                if (closed || !follow)
                {
                    return;
                }

                try
                {
                    await changed.WaitAsync(stopping.Token);
                }
                catch (OperationCanceledException) when (!c.RequestAborted.IsCancellationRequested)
                {
                    // The server is stopping: end the stream as a cluster going away would.
                    return;
                }
            }
        });
    }
}

internal static class Containers
{
    /// <summary>The container a request means: the one named, or the default when there is just one (or the kubectl default-container annotation).</summary>
    public static string Choose(V1Pod pod, string? requested)
    {
        var all = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers).Select(c => c.Name).ToList();
        if (!string.IsNullOrEmpty(requested))
        {
            return all.Contains(requested)
                ? requested
                : throw Statuses.BadRequest($"container {requested} is not valid for pod {pod.Name()}");
        }

        if (pod.Metadata.Annotations?.TryGetValue("kubectl.kubernetes.io/default-container", out var annotated) == true)
        {
            return annotated;
        }

        return pod.Spec.Containers.Count == 1
            ? pod.Spec.Containers[0].Name
            : throw Statuses.BadRequest($"a container name must be specified for pod {pod.Name()}, choose one of: [{string.Join(" ", pod.Spec.Containers.Select(c => c.Name))}]");
    }
}

using System.Globalization;
using System.Text;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>What a watch reads from: a backlog since a resourceVersion (null when the history no longer reaches back) and live events.</summary>
internal interface IWatchSource<TEvent>
{
    long ResourceVersion { get; }

    (System.Threading.Channels.Channel<TEvent> Channel, List<TEvent>? Backlog) Watch(long? since);

    void Unwatch(System.Threading.Channels.Channel<TEvent> channel);
}

/// <summary>Watches (pods, custom resources): newline-delimited watch events, resumable from a resourceVersion while the history reaches back.</summary>
internal static class Watch
{
    public static Task ServeAsync(HttpContext context, Store store, string ns, Selector selector, FaultOptions faults) =>
        ServeAsync<PodEvent>(context, store, (e, table) => Render(e, ns, selector, table), faults);

    /// <param name="render">The event's type and object as sent (a Table row when <c>table</c>), or null for an event this watch does not see.</param>
    public static async Task ServeAsync<TEvent>(HttpContext context, IWatchSource<TEvent> store, Func<TEvent, bool, (string Type, object Value)?> render, FaultOptions faults)
    {
        var requested = Api.Query(context, "resourceVersion");
        long? since = null;
        if (!string.IsNullOrEmpty(requested) && requested != "0")
        {
            since = long.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out var rv)
                ? rv
                : throw Statuses.BadRequest($"invalid resourceVersion \"{requested}\"");
        }

        var (channel, backlog) = store.Watch(since);
        context.Response.StatusCode = 200;
        context.Response.ContentType = Api.Json;
        await context.Response.StartAsync(context.RequestAborted);
        if (backlog is null)
        {
            var gone = Statuses.Failure(410, "Expired", $"too old resource version: {since} ({store.ResourceVersion})");
            await WriteEventAsync(context, "ERROR", gone, context.RequestAborted);
            return;
        }

        // Linked to shutdown: the server waits for open requests when it stops, and a watch never ends by itself.
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        if (faults.DropWatchAfter is { } dropAfter)
        {
            lifetime.CancelAfter(dropAfter);
        }
        else if (int.TryParse(Api.Query(context, "timeoutSeconds"), out var timeoutSeconds) && timeoutSeconds > 0)
        {
            lifetime.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        }

        var table = PodTable.Wanted(context);
        var sent = 0;
        try
        {
            foreach (var e in backlog)
            {
                sent += await SendAsync(context, render(e, table), lifetime.Token);
                if (DropIfDue(faults, sent))
                {
                    return;
                }
            }

            await foreach (var e in channel.Reader.ReadAllAsync(lifetime.Token))
            {
                sent += await SendAsync(context, render(e, table), lifetime.Token);
                if (DropIfDue(faults, sent))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            // Timed out or dropped: the response just ends, as when the API server closes a watch.
        }
        finally
        {
            store.Unwatch(channel);
        }
    }

    private static bool DropIfDue(FaultOptions faults, int sent)
    {
        // Ending the response rather than resetting the connection: a reset can destroy the
        // events already sent before the client reads them, which no real API server does.
        return faults.DropWatchAfterEvents is { } limit && sent >= limit;
    }

    private static (string Type, object Value)? Render(PodEvent e, string ns, Selector selector, bool table)
    {
        if (e.Pod.Namespace() != ns || !selector.Matches(e.Pod))
        {
            return null;
        }

        // kubectl get -w asks for Tables in the watch too, one row per event.
        object value = table
            ? PodTable.Render(new V1PodList { Metadata = new V1ListMeta { ResourceVersion = e.Pod.ResourceVersion() }, Items = [e.Pod] })
            : e.Pod;
        return (e.Type, value);
    }

    private static async Task<int> SendAsync(HttpContext context, (string Type, object Value)? e, CancellationToken token)
    {
        if (e is not { } sent)
        {
            return 0;
        }

        await WriteEventAsync(context, sent.Type, sent.Value, token);
        return 1;
    }

    private static async Task WriteEventAsync(HttpContext context, string type, object value, CancellationToken token)
    {
        var line = "{\"type\":\"" + type + "\",\"object\":" + Api.Serialize(value) + "}\n";
        await context.Response.WriteAsync(line, Encoding.UTF8, token);
        await context.Response.Body.FlushAsync(token);
    }
}

using k8s;
using k8s.Models;
using Kubetest.Emulator;

namespace Kubetest.Emulator.Tests;

public class WatchTests : EmulatorTestBase
{
    [Fact]
    public async Task Watching_pods_by_label_shows_the_pod_go_from_pending_to_running_to_succeeded()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var before = (await Client.CoreV1.ListNamespacedPodAsync(Ns)).Metadata.ResourceVersion;
        var job = await Client.BatchV1.CreateNamespacedJobAsync(Job("watched-", Container("main", "sleep 0.2")), Ns);
        await Client.BatchV1.CreateNamespacedJobAsync(Job("other-", Container("main", "true")), Ns);
        var phases = new List<string>();
        var types = new List<WatchEventType>();

        await foreach (var (type, pod) in Client.CoreV1.WatchListNamespacedPodAsync(Ns, resourceVersion: before, labelSelector: $"job-name in ({job.Name()})", cancellationToken: timeout.Token))
        {
            Assert.Equal(job.Name(), pod.Metadata.Labels["job-name"]);
            types.Add(type);
            if (phases.Count == 0 || phases[^1] != pod.Status.Phase)
            {
                phases.Add(pod.Status.Phase);
            }

            if (pod.Status.Phase is "Succeeded" or "Failed")
            {
                break;
            }
        }

        Assert.Equal(["Pending", "Running", "Succeeded"], phases);
        Assert.Equal(WatchEventType.Added, types[0]);
        Assert.All(types.Skip(1), t => Assert.Equal(WatchEventType.Modified, t));
    }

    [Fact]
    public async Task A_field_selector_on_the_name_watches_one_pod_and_deletion_ends_with_deleted()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var pod = await CreateJobPodAsync(Job("named-", Container("main", "sleep 600")));
        await CreateJobPodAsync(Job("noise-", Container("main", "sleep 600")));
        var seen = new List<(WatchEventType, string)>();
        var deleting = false;

        await foreach (var (type, p) in Client.CoreV1.WatchListNamespacedPodAsync(Ns, fieldSelector: "metadata.name=" + pod.Name(), cancellationToken: timeout.Token))
        {
            seen.Add((type, p.Name()));
            if (p.Status.Phase == "Running" && !deleting)
            {
                deleting = true;
                _ = Emulator.DeletePodAsync(Ns, pod.Name());
            }

            if (type == WatchEventType.Deleted)
            {
                break;
            }
        }

        Assert.All(seen, s => Assert.Equal(pod.Name(), s.Item2));
        Assert.Equal(WatchEventType.Deleted, seen[^1].Item1);
    }
}

public class DroppedWatchTests : EmulatorTestBase
{
    public DroppedWatchTests()
        : base(new EmulatorOptions { Faults = new FaultOptions { DropWatchAfterEvents = 1 } })
    {
    }

    [Fact]
    public async Task A_watch_dropped_after_one_event_can_resume_from_the_last_resource_version_without_losing_events()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var resourceVersion = (await Client.CoreV1.ListNamespacedPodAsync(Ns)).Metadata.ResourceVersion;
        var pod = await CreateJobPodAsync(Job("resume-", Container("main", "sleep 0.2")));
        var phases = new List<string>();
        var versions = new List<long>();
        var watches = 0;

        while (phases.Count == 0 || phases[^1] is not ("Succeeded" or "Failed"))
        {
            watches++;
            try
            {
                await foreach (var (_, p) in Client.CoreV1.WatchListNamespacedPodAsync(Ns, resourceVersion: resourceVersion, labelSelector: "job-name=" + pod.Metadata.Labels["job-name"], cancellationToken: timeout.Token))
                {
                    resourceVersion = p.ResourceVersion();
                    versions.Add(long.Parse(resourceVersion, System.Globalization.CultureInfo.InvariantCulture));
                    phases.Add(p.Status.Phase);
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                // The drop: resume from the last resourceVersion seen.
            }
        }

        // One event per watch (each is dropped after it), none repeated, none skipped.
        Assert.Equal(["Pending", "Running", "Succeeded"], phases.Distinct());
        Assert.Equal(watches, phases.Count);
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
        Assert.True(watches >= 4, $"expected pending, scheduled, running and succeeded each in its own watch; there were {watches} watches");
    }
}

public class ExpiredWatchTests : EmulatorTestBase
{
    public ExpiredWatchTests()
        : base(new EmulatorOptions { WatchHistory = 2 })
    {
    }

    [Fact]
    public async Task A_watch_from_a_resource_version_older_than_the_history_gets_an_error_event_with_410_gone()
    {
        var before = (await Client.CoreV1.ListNamespacedPodAsync(Ns)).Metadata.ResourceVersion;
        var pod = await CreateJobPodAsync(Job("old-", Container("main", "true")));
        await WaitForPodAsync(pod.Name(), p => p.Status.Phase == "Succeeded");
        using var raw = RawClient();

        var body = await raw.GetStringAsync($"api/v1/namespaces/default/pods?watch=true&resourceVersion={before}");

        var line = Assert.Single(body.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("ERROR", json.RootElement.GetProperty("type").GetString());
        var status = json.RootElement.GetProperty("object");
        Assert.Equal((410, "Expired"), (status.GetProperty("code").GetInt32(), status.GetProperty("reason").GetString()));
    }
}

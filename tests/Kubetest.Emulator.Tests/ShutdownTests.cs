using k8s;
using k8s.Models;
using Kubetest.Emulator;

namespace Kubetest.Emulator.Tests;

public class ShutdownTests : EmulatorTestBase
{
    [Fact]
    public async Task Disposing_the_emulator_with_an_open_watch_a_followed_log_and_a_running_exec_is_prompt_and_kills_the_processes()
    {
        var pod = await CreateJobPodAsync(Job("shutdown-", Container("main", "sleep 600")));
        await WaitForPodAsync(pod.Name(), p => p.Status.Phase == "Running");
        var watch = Task.Run(async () =>
        {
            await foreach (var _ in Client.CoreV1.WatchListNamespacedPodAsync(Ns))
            {
            }
        });
        var log = Client.CoreV1.ReadNamespacedPodLogAsync(pod.Name(), Ns, follow: true);
        var exec = Client.NamespacedPodExecAsync(pod.Name(), Ns, "main", ["sleep", "600"], false, (_, _, _) => Task.CompletedTask, default);
        await Task.Delay(200);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        await Emulator.DisposeAsync();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"disposal took {stopwatch.Elapsed}");
        var all = Task.WhenAll(Swallow(watch), Swallow(log), Swallow(exec));
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10))));
    }

    private static async Task Swallow(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // Each client may see the end as an error or as the end of its stream; both are fine here.
        }
    }
}

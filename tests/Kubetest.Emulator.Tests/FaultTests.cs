using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Kubetest.Emulator;

namespace Kubetest.Emulator.Tests;

public class InjectedErrorTests : EmulatorTestBase
{
    public InjectedErrorTests()
        : base(new EmulatorOptions { Faults = new FaultOptions { InternalErrorRate = 0.05, TooManyRequestsRate = 0.05, RetryAfterSeconds = 2 } })
    {
    }

    [Fact]
    public async Task About_one_request_in_ten_is_answered_500_or_429_with_retry_after_and_a_status_body()
    {
        using var raw = RawClient();
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 400; i++)
        {
            using var response = await raw.GetAsync("api/v1/namespaces/default/pods");
            codes.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("2", response.Headers.GetValues("Retry-After").Single());
                Assert.Contains("\"reason\":\"TooManyRequests\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            else if (response.StatusCode == HttpStatusCode.InternalServerError)
            {
                Assert.Contains("\"reason\":\"InternalError\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }

        var failed = codes.Count(c => c != HttpStatusCode.OK);
        Assert.InRange(failed, 15, 70);
        Assert.Contains(HttpStatusCode.InternalServerError, codes);
        Assert.Contains(HttpStatusCode.TooManyRequests, codes);
        Assert.All(codes, c => Assert.Contains(c, new[] { HttpStatusCode.OK, HttpStatusCode.InternalServerError, HttpStatusCode.TooManyRequests }));
        Assert.Equal(failed, Emulator.Injected500Count + Emulator.Injected429Count);
    }
}

public class InjectedErrorsSpareExecTests : EmulatorTestBase
{
    [Fact]
    public async Task Exec_upgrades_are_not_failed_by_the_error_knob_unless_asked()
    {
        var pod = await CreateJobPodAsync(Job("spared-", Container("main", "sleep 600")));
        await WaitForPodAsync(pod.Metadata.Name, p => p.Status.Phase == "Running");

        // The knobs are live: every request from now on fails, except the exec upgrade.
        Emulator.Options.Faults.InternalErrorRate = 1;
        var exitCode = await Client.NamespacedPodExecAsync(pod.Metadata.Name, Ns, "main", ["sh", "-c", "exit 5"], false, (_, _, _) => Task.CompletedTask, default);
        Emulator.Options.Faults.IncludeExecUpgrades = true;
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => Client.NamespacedPodExecAsync(pod.Metadata.Name, Ns, "main", ["true"], false, (_, _, _) => Task.CompletedTask, default));

        Assert.Equal(5, exitCode);
        Assert.Contains("500", refused.Message + refused.InnerException?.Message, StringComparison.Ordinal);
    }
}

public class HeldPendingTests : EmulatorTestBase
{
    public HeldPendingTests()
        : base(new EmulatorOptions { Faults = new FaultOptions { HoldPendingReason = "ImagePullBackOff", HoldPendingJobPattern = new Regex("^stuck-") } })
    {
    }

    [Fact]
    public async Task Pods_of_matching_jobs_stay_pending_with_the_waiting_reason_and_others_run()
    {
        var stuck = await CreateJobPodAsync(Job("stuck-", Container("main", "sleep 600")));
        var free = await CreateJobPodAsync(Job("free-", Container("main", "sleep 600")));

        var held = await WaitForPodAsync(stuck.Metadata.Name, p => p.Status.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ImagePullBackOff");
        await WaitForPodAsync(free.Metadata.Name, p => p.Status.Phase == "Running");

        Assert.Equal("Pending", held.Status.Phase);
        Assert.Equal("Pending", (await Client.CoreV1.ReadNamespacedPodAsync(stuck.Metadata.Name, Ns)).Status.Phase);
    }
}

public class UnschedulableTests : EmulatorTestBase
{
    public UnschedulableTests()
        : base(new EmulatorOptions { Faults = new FaultOptions { HoldPendingReason = "Unschedulable" } })
    {
    }

    [Fact]
    public async Task An_unschedulable_pod_stays_pending_with_a_pod_scheduled_false_condition()
    {
        var pod = await CreateJobPodAsync(Job("nowhere-", Container("main", "true")));

        var held = await WaitForPodAsync(pod.Metadata.Name, p => p.Status.Conditions?.Any(c => c.Type == "PodScheduled") == true);

        var condition = Assert.Single(held.Status.Conditions);
        Assert.Equal(("False", "Unschedulable"), (condition.Status, condition.Reason));
        Assert.Equal("Pending", held.Status.Phase);
    }
}

public class MidRunDeletionTests : EmulatorTestBase
{
    [Fact]
    public async Task Deleting_a_running_pod_kills_a_running_exec_and_fails_its_job()
    {
        var pod = await CreateJobPodAsync(Job("victim-", Container("main", "sleep 600")));
        await WaitForPodAsync(pod.Metadata.Name, p => p.Status.Phase == "Running");
        var exec = Client.NamespacedPodExecAsync(pod.Metadata.Name, Ns, "main", ["sleep", "600"], false, (_, _, _) => Task.CompletedTask, default);

        await Admin.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, Ns, gracePeriodSeconds: 0);
        var ended = await Task.WhenAny(exec, Task.Delay(TimeSpan.FromSeconds(20)));
        var job = Assert.Single(Emulator.StoredJobs());

        Assert.Same(exec, ended);
        Assert.Empty(Emulator.StoredPods());
        Assert.Equal(1, job.Status.Failed);
        _ = exec.Exception;
    }
}

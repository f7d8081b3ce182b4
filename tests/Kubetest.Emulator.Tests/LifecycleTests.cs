using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Kubetest.Emulator.Tests;

/// <summary>What a Job does without its client: it ends at its deadline and goes after its TTL; and deletes that fail on purpose.</summary>
public class LifecycleTests : EmulatorTestBase
{
    [Fact]
    public async Task A_job_past_its_active_deadline_fails_with_DeadlineExceeded_and_its_pod_is_deleted()
    {
        var job = Job("deadline-", Container("main", "sleep 600"));
        job.Spec.ActiveDeadlineSeconds = 2;
        var pod = await CreateJobPodAsync(job);
        await WaitForPodAsync(pod.Name(), p => p.Status.Phase == "Running");

        var failed = await WaitForJobAsync(pod.Metadata.OwnerReferences[0].Name, j => j.Status.Failed == 1);

        var condition = Assert.Single(failed.Status.Conditions);
        Assert.Equal(("Failed", "DeadlineExceeded"), (condition.Type, condition.Reason));
        Assert.Equal(0, failed.Status.Active);
        await WaitGoneAsync(() => Emulator.StoredPods().Any(p => p.Name() == pod.Name()), "the pod of a job past its deadline");
    }

    [Fact]
    public async Task A_finished_job_with_a_ttl_is_deleted_with_its_pod_after_the_ttl()
    {
        var job = Job("ttl-", Container("main", "true"));
        job.Spec.TtlSecondsAfterFinished = 1;
        var pod = await CreateJobPodAsync(job);
        var name = pod.Metadata.OwnerReferences[0].Name;
        await WaitForJobAsync(name, j => j.Status.Succeeded == 1);

        await WaitGoneAsync(() => Emulator.StoredJobs().Any(j => j.Name() == name), "a finished job with ttlSecondsAfterFinished 1");
        await WaitGoneAsync(() => Emulator.StoredPods().Any(p => p.Name() == pod.Name()), "the pod of an expired job");
    }

    [Fact]
    public async Task A_running_job_is_not_deleted_by_its_ttl()
    {
        var job = Job("ttl-running-", Container("main", "sleep 600"));
        job.Spec.TtlSecondsAfterFinished = 0;
        var pod = await CreateJobPodAsync(job);
        await WaitForPodAsync(pod.Name(), p => p.Status.Phase == "Running");

        // The TTL counts from the end; a Job that has not ended stays whatever its TTL.
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Contains(Emulator.StoredJobs(), j => j.Name() == pod.Metadata.OwnerReferences[0].Name);
    }

    [Fact]
    public async Task Deletes_of_a_failed_kind_answer_500_until_the_knob_is_cleared_and_other_requests_pass()
    {
        var pod = await CreateJobPodAsync(Job("undeletable-", Container("main", "sleep 600")));
        var name = pod.Metadata.OwnerReferences[0].Name;
        Emulator.Options.Faults.FailDeletesOf.Add("jobs");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.BatchV1.DeleteNamespacedJobAsync(name, Ns, propagationPolicy: "Background"));

        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Contains(Emulator.StoredJobs(), j => j.Name() == name);
        Assert.NotNull(await Client.CoreV1.ReadNamespacedPodAsync(pod.Name(), Ns));
        Emulator.Options.Faults.FailDeletesOf.Clear();
        await Client.BatchV1.DeleteNamespacedJobAsync(name, Ns, propagationPolicy: "Background");
        Assert.DoesNotContain(Emulator.StoredJobs(), j => j.Name() == name);
    }

    [Fact]
    public async Task With_a_delete_failure_rate_of_one_every_delete_answers_500()
    {
        var pod = await CreateJobPodAsync(Job("flaky-delete-", Container("main", "sleep 600")));
        Emulator.Options.Faults.DeleteFailureRate = 1;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.DeleteNamespacedPodAsync(pod.Name(), Ns));

        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Contains(Emulator.StoredPods(), p => p.Name() == pod.Name());
        Emulator.Options.Faults.DeleteFailureRate = 0;
    }

    private async Task<V1Job> WaitForJobAsync(string name, Func<V1Job, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var job = Emulator.StoredJobs().FirstOrDefault(j => j.Name() == name);
            if (job is not null && condition(job))
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {name} never reached the expected state: {KubernetesJson.Serialize(job?.Status)}");
            await Task.Delay(50);
        }
    }

    private static async Task WaitGoneAsync(Func<bool> present, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (present())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} is still there after 30 s");
            await Task.Delay(50);
        }
    }
}

using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Kubetest.Emulator.Tests;

public class JobsAndPodsTests : EmulatorTestBase
{
    [Fact]
    public async Task A_job_with_generate_name_gets_a_name_with_five_random_characters_and_one_pod_owned_by_it()
    {
        var job = Job("build-", Container("main", "true"));
        job.Spec.Template.Metadata.Annotations = new Dictionary<string, string> { ["kubetest.io/strategyKeys"] = "a,b" };

        var created = await Client.BatchV1.CreateNamespacedJobAsync(job, Ns);
        var pod = Assert.Single(Emulator.StoredPods());

        Assert.Matches("^build-[a-z0-9]{5}$", created.Name());
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.Matches($"^{created.Name()}-[a-z0-9]{{5}}$", pod.Name());
        Assert.Equal(created.Name(), pod.Metadata.Labels["job-name"]);
        Assert.Equal(created.Metadata.Uid, pod.Metadata.Labels["controller-uid"]);
        Assert.Equal("emulator-test", pod.Metadata.Labels["app"]);
        Assert.Equal("a,b", pod.Metadata.Annotations["kubetest.io/strategyKeys"]);
        var owner = Assert.Single(pod.Metadata.OwnerReferences);
        Assert.Equal(("Job", created.Name(), created.Metadata.Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
    }

    [Fact]
    public async Task A_pod_that_exits_zero_succeeds_and_its_job_completes()
    {
        var pod = await CreateJobPodAsync(Job("ok-", Container("main", "echo done")));

        var done = await WaitForPodAsync(pod.Name(), p => p.Status.Phase is "Succeeded" or "Failed");
        var job = await Admin.BatchV1.ReadNamespacedJobAsync(pod.Metadata.Labels["job-name"], Ns);

        Assert.Equal("Succeeded", done.Status.Phase);
        var terminated = Assert.Single(done.Status.ContainerStatuses).State.Terminated;
        Assert.Equal((0, "Completed"), (terminated.ExitCode, terminated.Reason));
        Assert.Equal(1, job.Status.Succeeded);
        Assert.Equal("Complete", Assert.Single(job.Status.Conditions).Type);
    }

    [Fact]
    public async Task A_failing_init_container_fails_the_pod_with_its_exit_code_and_the_main_container_never_runs()
    {
        var job = Job("init-", Container("main", "echo main ran"));
        job.Spec.Template.Spec.InitContainers = [Container("prepare", "echo preparing; exit 4")];
        var pod = await CreateJobPodAsync(job);

        var failed = await WaitForPodAsync(pod.Name(), p => p.Status.Phase is "Succeeded" or "Failed");

        Assert.Equal("Failed", failed.Status.Phase);
        var init = Assert.Single(failed.Status.InitContainerStatuses).State.Terminated;
        Assert.Equal(4, init.ExitCode);
        Assert.Contains("init container prepare failed with exit code 4", failed.Status.Message, StringComparison.Ordinal);
        Assert.NotNull(Assert.Single(failed.Status.ContainerStatuses).State.Waiting);
        Assert.Equal("preparing\n", await LogAsync(pod.Name(), "prepare"));
    }

    [Fact]
    public async Task Init_containers_run_in_order_with_their_own_logs_and_share_volumes_with_the_main_container()
    {
        var volume = new V1VolumeMount { Name = "shared", MountPath = "/shared" };
        var first = Container("first", "echo one > /shared/steps; echo first ran");
        var second = Container("second", "echo two >> /shared/steps; echo second ran");
        var main = Container("main", "cat /shared/steps");
        foreach (var container in new[] { first, second, main })
        {
            container.VolumeMounts = [volume];
        }

        var job = Job("inits-", main);
        job.Spec.Template.Spec.InitContainers = [first, second];
        job.Spec.Template.Spec.Volumes = [new V1Volume { Name = "shared", EmptyDir = new V1EmptyDirVolumeSource() }];
        var pod = await CreateJobPodAsync(job);

        var done = await WaitForPodAsync(pod.Name(), p => p.Status.Phase is "Succeeded" or "Failed");

        Assert.Equal("Succeeded", done.Status.Phase);
        Assert.All(done.Status.InitContainerStatuses, s => Assert.Equal((0, "Completed"), (s.State.Terminated.ExitCode, s.State.Terminated.Reason)));
        Assert.Equal("first ran\n", await LogAsync(pod.Name(), "first"));
        Assert.Equal("second ran\n", await LogAsync(pod.Name(), "second"));
        Assert.Equal("one\ntwo\n", await LogAsync(pod.Name(), "main"));
    }

    private async Task<string> LogAsync(string pod, string container)
    {
        await using var log = await Client.CoreV1.ReadNamespacedPodLogAsync(pod, Ns, container: container);
        using var reader = new StreamReader(log);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task A_container_without_a_command_fails_the_pod_saying_the_emulator_has_no_images()
    {
        var container = Container("main", "true");
        container.Command = null;
        var pod = await CreateJobPodAsync(Job("image-", container));

        var failed = await WaitForPodAsync(pod.Name(), p => p.Status.Phase is "Failed");

        var terminated = Assert.Single(failed.Status.ContainerStatuses).State.Terminated;
        Assert.Equal("StartError", terminated.Reason);
        Assert.Contains("no command", terminated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_job_with_foreground_propagation_has_deleted_its_pod_when_the_call_returns()
    {
        var pod = await CreateJobPodAsync(Job("long-", Container("main", "sleep 600")));
        await WaitForPodAsync(pod.Name(), p => p.Status.Phase == "Running");

        await Client.BatchV1.DeleteNamespacedJobAsync(pod.Metadata.Labels["job-name"], Ns, propagationPolicy: "Foreground");

        Assert.Empty(Emulator.StoredJobs());
        Assert.Empty(Emulator.StoredPods());
    }

    [Fact]
    public async Task Deleting_a_job_with_background_propagation_deletes_its_pod_soon_after()
    {
        var pod = await CreateJobPodAsync(Job("bg-", Container("main", "sleep 600")));

        await Client.BatchV1.DeleteNamespacedJobAsync(pod.Metadata.Labels["job-name"], Ns, body: new V1DeleteOptions { PropagationPolicy = "Background" });
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Emulator.StoredPods().Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Empty(Emulator.StoredJobs());
        Assert.Empty(Emulator.StoredPods());
    }

    [Fact]
    public async Task Deleting_a_job_without_a_policy_orphans_its_pod_as_batch_v1_does_on_a_real_cluster()
    {
        var pod = await CreateJobPodAsync(Job("nopolicy-", Container("main", "sleep 600")));

        await Client.BatchV1.DeleteNamespacedJobAsync(pod.Metadata.Labels["job-name"], Ns);

        Assert.Empty(Emulator.StoredJobs());
        var orphan = Assert.Single(Emulator.StoredPods());
        Assert.Null(orphan.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task A_finished_job_with_ttl_seconds_after_finished_zero_is_removed_with_its_pod()
    {
        var job = Job("ttl-", Container("main", "true"));
        job.Spec.TtlSecondsAfterFinished = 0;
        await CreateJobPodAsync(job);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((Emulator.StoredPods().Count > 0 || Emulator.StoredJobs().Count > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Empty(Emulator.StoredJobs());
        Assert.Empty(Emulator.StoredPods());
    }

    [Fact]
    public async Task Deleting_a_job_with_orphan_propagation_leaves_its_pod()
    {
        var pod = await CreateJobPodAsync(Job("orphan-", Container("main", "sleep 600")));

        await Client.BatchV1.DeleteNamespacedJobAsync(pod.Metadata.Labels["job-name"], Ns, body: new V1DeleteOptions { PropagationPolicy = "Orphan" });

        Assert.Empty(Emulator.StoredJobs());
        Assert.Equal(pod.Name(), Assert.Single(Emulator.StoredPods()).Name());
    }

    [Fact]
    public async Task Getting_a_pod_that_does_not_exist_is_a_404_not_found_status()
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedPodAsync("nope", Ns));

        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(e.Response.Content);
        Assert.Equal(("Failure", "NotFound", 404, "pods \"nope\" not found"), (status.Status, status.Reason, status.Code, status.Message));
    }

    [Fact]
    public async Task Creating_a_job_whose_name_is_taken_is_a_409_already_exists_status()
    {
        var job = Job(null, Container("main", "sleep 600"));
        job.Metadata.Name = "taken";
        await Client.BatchV1.CreateNamespacedJobAsync(job, Ns);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.BatchV1.CreateNamespacedJobAsync(job, Ns));

        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(e.Response.Content);
        Assert.Equal(("AlreadyExists", "jobs.batch \"taken\" already exists"), (status.Reason, status.Message));
    }

    [Fact]
    public async Task A_duplicate_container_name_across_init_and_main_containers_is_a_422_with_the_field_path()
    {
        var job = Job("dup-", Container("main", "true"));
        job.Spec.Template.Spec.InitContainers = [Container("main", "true")];

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.BatchV1.CreateNamespacedJobAsync(job, Ns));

        Assert.Equal((HttpStatusCode)422, e.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(e.Response.Content);
        Assert.Equal("Invalid", status.Reason);
        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal(("spec.template.spec.containers[0].name", "FieldValueDuplicate", "Duplicate value: \"main\""), (cause.Field, cause.Reason, cause.Message));
        Assert.Empty(Emulator.StoredJobs());
    }

    [Fact]
    public async Task Names_longer_than_63_characters_undeclared_volumes_and_duplicate_volumes_are_each_reported()
    {
        var container = Container(new string('c', 64), "true");
        container.VolumeMounts = [new V1VolumeMount { Name = "missing", MountPath = "/m" }];
        var job = Job("bad-", container);
        job.Spec.Template.Spec.Volumes = [new V1Volume { Name = "v", EmptyDir = new V1EmptyDirVolumeSource() }, new V1Volume { Name = "v", EmptyDir = new V1EmptyDirVolumeSource() }];

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.BatchV1.CreateNamespacedJobAsync(job, Ns));

        var causes = KubernetesJson.Deserialize<V1Status>(e.Response.Content).Details.Causes.Select(c => (c.Field, c.Reason)).ToList();
        Assert.Contains(("spec.template.spec.volumes[1].name", "FieldValueDuplicate"), causes);
        Assert.Contains(("spec.template.spec.containers[0].name", "FieldValueInvalid"), causes);
        Assert.Contains(("spec.template.spec.containers[0].volumeMounts[0].name", "FieldValueNotFound"), causes);
    }

    [Fact]
    public async Task An_invalid_job_name_is_a_422_naming_metadata_name()
    {
        var job = Job(null, Container("main", "true"));
        job.Metadata.Name = "Not_A_Name";

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.BatchV1.CreateNamespacedJobAsync(job, Ns));

        Assert.Equal("metadata.name", Assert.Single(KubernetesJson.Deserialize<V1Status>(e.Response.Content).Details.Causes).Field);
    }

    [Fact]
    public async Task The_kubetest_identity_gets_a_403_with_the_api_servers_message_outside_its_role()
    {
        // The Role may list jobs (for kubetest gc) but not read one.
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.BatchV1.ReadNamespacedJobAsync("some-job", Ns));

        Assert.Equal(HttpStatusCode.Forbidden, e.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(e.Response.Content);
        Assert.Equal(
            ("Forbidden", "jobs.batch \"some-job\" is forbidden: User \"system:serviceaccount:default:kubetest\" cannot get resource \"jobs\" in API group \"batch\" in the namespace \"default\""),
            (status.Reason, status.Message));
    }

    [Fact]
    public async Task A_request_without_a_valid_token_is_a_401()
    {
        using var raw = RawClient();
        raw.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong");

        using var response = await raw.GetAsync("api/v1/namespaces/default/pods");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"reason\":\"Unauthorized\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_created_by_the_admin_can_be_read_by_the_kubetest_identity()
    {
        await Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "token" }, StringData = new Dictionary<string, string> { ["token"] = "s3cret" } }, Ns);

        var secret = await Client.CoreV1.ReadNamespacedSecretAsync("token", Ns);

        Assert.Equal("s3cret", System.Text.Encoding.UTF8.GetString(secret.Data["token"]));
    }

    [Fact]
    public async Task Following_a_log_streams_until_the_container_exits()
    {
        var pod = await CreateJobPodAsync(Job("logs-", Container("main", "echo one; sleep 0.3; echo two")));
        await WaitForPodAsync(pod.Name(), p => p.Status.Phase != "Pending");

        await using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync(pod.Name(), Ns, container: "main", follow: true);
        using var reader = new StreamReader(stream);

        Assert.Equal("one\ntwo\n", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task Tail_lines_returns_only_the_last_lines_of_the_log()
    {
        var pod = await CreateJobPodAsync(Job("tail-", Container("main", "printf 'a\\nb\\nc\\n'")));
        await WaitForPodAsync(pod.Name(), p => p.Status.Phase == "Succeeded");

        await using var log = await Client.CoreV1.ReadNamespacedPodLogAsync(pod.Name(), Ns, container: "main", tailLines: 2);
        using var reader = new StreamReader(log);

        Assert.Equal("b\nc\n", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task The_emulator_counts_requests_by_route_so_a_client_can_see_what_it_spends_them_on()
    {
        var pod = await CreateJobPodAsync(Job("count-", Container("main", "true")));
        await Client.CoreV1.ReadNamespacedPodAsync(pod.Name(), Ns);

        var counts = Emulator.RequestCounts;

        Assert.Equal(1, counts["POST /apis/batch/v1/namespaces/{ns}/jobs"]);
        Assert.Equal(1, counts["GET /api/v1/namespaces/{ns}/pods"]);
        Assert.True(counts["GET /api/v1/namespaces/{ns}/pods/{name}"] >= 1);
        Assert.Equal(counts.Values.Sum(), Emulator.RequestCount);
    }
}

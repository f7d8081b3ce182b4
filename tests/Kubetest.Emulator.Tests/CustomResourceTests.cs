using k8s;
using System.Net;
using System.Text.Json.Nodes;

namespace Kubetest.Emulator.Tests;

/// <summary>TestJobs as the API server serves custom resources: create, read, replace, patch, delete, status, finalizers, owners.</summary>
public class CustomResourceTests : CustomResourceTestBase
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Emulator.InstallCrd(CrdYaml);
    }

    [Fact]
    public async Task Create_fills_in_uid_creation_time_resource_version_and_generation_1_and_drops_the_status()
    {
        var created = await CreateAsync(TestJob("one", "\"status\":{\"phase\":\"Succeeded\"}"));
        var generated = await CreateAsync(TestJob("").Replace("\"name\":\"\"", "\"generateName\":\"run-\"", StringComparison.Ordinal));
        var (code, read) = await SendAsync(HttpMethod.Get, TestJobs + "/one");

        Assert.True(Guid.TryParse(Meta(created, "uid"), out _));
        Assert.NotEqual(string.Empty, Meta(created, "creationTimestamp"));
        Assert.NotEqual(string.Empty, Meta(created, "resourceVersion"));
        Assert.Equal("1", Meta(created, "generation"));
        Assert.Null(created["status"]);
        Assert.Matches("^run-[a-z0-9]{5}$", Meta(generated, "name"));
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(created.ToJsonString(), read.ToJsonString());
    }

    [Fact]
    public async Task Lists_select_by_label_and_by_name_and_the_all_namespaces_list_has_them_all()
    {
        await CreateAsync(TestJob("a").Replace("\"name\":\"a\"", "\"name\":\"a\",\"labels\":{\"team\":\"x\"}", StringComparison.Ordinal));
        await CreateAsync(TestJob("b"));

        var byLabel = (await SendAsync(HttpMethod.Get, TestJobs + "?labelSelector=team%3Dx")).Body;
        var byName = (await SendAsync(HttpMethod.Get, TestJobs + "?fieldSelector=metadata.name%3Db")).Body;
        var all = (await SendAsync(HttpMethod.Get, "/apis/kubetest.io/v1/testjobs")).Body;
        var unknown = await SendAsync(HttpMethod.Get, "/apis/kubetest.io/v1/namespaces/default/nothings");

        Assert.Equal("TestJobList", byLabel["kind"]!.ToString());
        Assert.Equal(["a"], byLabel["items"]!.AsArray().Select(i => Meta(i!.AsObject(), "name")));
        Assert.Equal(["b"], byName["items"]!.AsArray().Select(i => Meta(i!.AsObject(), "name")));
        Assert.Equal(["a", "b"], all["items"]!.AsArray().Select(i => Meta(i!.AsObject(), "name")));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Code);
    }

    [Fact]
    public async Task A_replace_needs_the_current_resource_version_keeps_the_status_and_bumps_generation_only_for_a_spec_change()
    {
        var created = await CreateAsync(TestJob("one"));
        await SendAsync(HttpMethod.Patch, TestJobs + "/one/status", "{\"status\":{\"phase\":\"Running\"}}", contentType: "application/merge-patch+json");
        var current = (await SendAsync(HttpMethod.Get, TestJobs + "/one")).Body;

        var labelled = current.DeepClone().AsObject();
        labelled["metadata"]!["labels"] = new JsonObject { ["a"] = "b" };
        labelled["status"] = new JsonObject { ["phase"] = "Failed" };
        var (labelCode, afterLabel) = await SendAsync(HttpMethod.Put, TestJobs + "/one", labelled.ToJsonString());
        var stale = await SendAsync(HttpMethod.Put, TestJobs + "/one", labelled.ToJsonString());
        var changed = afterLabel.DeepClone().AsObject();
        changed["spec"]!["mainStep"]!["template"]!["spec"]!["containers"]![0]!["image"] = "busybox";
        var (specCode, afterSpec) = await SendAsync(HttpMethod.Put, TestJobs + "/one", changed.ToJsonString());
        var unversioned = changed.DeepClone().AsObject();
        unversioned["metadata"]!.AsObject().Remove("resourceVersion");
        var noVersion = await SendAsync(HttpMethod.Put, TestJobs + "/one", unversioned.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, labelCode);
        Assert.Equal("1", Meta(afterLabel, "generation"));
        Assert.Equal("Running", afterLabel["status"]!["phase"]!.ToString());
        Assert.Equal(Meta(created, "uid"), Meta(afterLabel, "uid"));
        Assert.Equal(HttpStatusCode.Conflict, stale.Code);
        Assert.Equal("Operation cannot be fulfilled on testjobs.kubetest.io \"one\": the object has been modified; please apply your changes to the latest version and try again", stale.Body["message"]!.ToString());
        Assert.Equal(HttpStatusCode.OK, specCode);
        Assert.Equal("2", Meta(afterSpec, "generation"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noVersion.Code);
        Assert.Equal("TestJob.kubetest.io \"one\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update", noVersion.Body["message"]!.ToString());
    }

    [Fact]
    public async Task A_put_carrying_another_objects_uid_is_refused_as_immutable()
    {
        var one = await CreateAsync(TestJob("one"));
        var two = await CreateAsync(TestJob("two"));
        one["metadata"]!["uid"] = Meta(two, "uid");

        var (code, body) = await SendAsync(HttpMethod.Put, TestJobs + "/one", one.ToJsonString());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal($"TestJob.kubetest.io \"one\" is invalid: metadata.uid: Invalid value: \"{Meta(two, "uid")}\": field is immutable", body["message"]!.ToString());
        Assert.NotEqual(Meta(two, "uid"), Meta(Emulator.StoredCustomResources("kubetest.io", "testjobs", Ns).Single(i => Meta(i, "name") == "one"), "uid"));
    }

    [Fact]
    public async Task Merge_and_json_patches_apply_and_a_strategic_merge_patch_is_unsupported_media_type()
    {
        var created = await CreateAsync(TestJob("one"));

        var merged = await SendAsync(HttpMethod.Patch, TestJobs + "/one", "{\"metadata\":{\"labels\":{\"x\":\"1\"}},\"spec\":{\"mainStep\":{\"strategy\":null}}}", contentType: "application/merge-patch+json");
        var patched = await SendAsync(HttpMethod.Patch, TestJobs + "/one", "[{\"op\":\"add\",\"path\":\"/metadata/labels/y\",\"value\":\"2\"},{\"op\":\"replace\",\"path\":\"/spec/mainStep/template/spec/containers/0/image\",\"value\":\"busybox\"}]", contentType: "application/json-patch+json");
        var strategic = await SendAsync(HttpMethod.Patch, TestJobs + "/one", "{\"metadata\":{\"labels\":{\"z\":\"3\"}}}", contentType: "application/strategic-merge-patch+json");
        var missing = await SendAsync(HttpMethod.Patch, TestJobs + "/none", "{}", contentType: "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.OK, merged.Code);
        Assert.Equal("1", merged.Body["metadata"]!["labels"]!["x"]!.ToString());
        Assert.Equal("1", Meta(merged.Body, "generation"));
        Assert.Equal(HttpStatusCode.OK, patched.Code);
        Assert.Equal("2", patched.Body["metadata"]!["labels"]!["y"]!.ToString());
        Assert.Equal("busybox", patched.Body["spec"]!["mainStep"]!["template"]!["spec"]!["containers"]![0]!["image"]!.ToString());
        Assert.Equal("2", Meta(patched.Body, "generation"));
        Assert.Equal(Meta(created, "uid"), Meta(patched.Body, "uid"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, strategic.Code);
        Assert.Equal("UnsupportedMediaType", strategic.Body["reason"]!.ToString());
        Assert.Equal(HttpStatusCode.NotFound, missing.Code);
        Assert.Equal("testjobs.kubetest.io \"none\" not found", missing.Body["message"]!.ToString());
    }

    [Fact]
    public async Task A_merge_patch_that_nulls_the_name_is_refused_and_a_json_patch_that_moves_the_uid_cannot_change_it()
    {
        var created = await CreateAsync(TestJob("one"));

        var nulled = await SendAsync(HttpMethod.Patch, TestJobs + "/one", "{\"metadata\":{\"name\":null}}", contentType: "application/merge-patch+json");
        var moved = await SendAsync(HttpMethod.Patch, TestJobs + "/one", "[{\"op\":\"move\",\"from\":\"/metadata/uid\",\"path\":\"/metadata/labels\"}]", contentType: "application/json-patch+json");
        var replaced = await SendAsync(HttpMethod.Patch, TestJobs + "/one", "[{\"op\":\"replace\",\"path\":\"/metadata/uid\",\"value\":\"00000000-0000-0000-0000-000000000000\"}]", contentType: "application/json-patch+json");

        Assert.Equal(HttpStatusCode.BadRequest, nulled.Code);
        Assert.Equal("the name of the object () does not match the name on the URL (one)", nulled.Body["message"]!.ToString());
        Assert.Equal(HttpStatusCode.OK, moved.Code);
        Assert.Equal(Meta(created, "uid"), Meta(moved.Body, "uid"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, replaced.Code);
        Assert.Contains("metadata.uid: Invalid value: \"00000000-0000-0000-0000-000000000000\": field is immutable", replaced.Body["message"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(Meta(created, "uid"), Meta(Assert.Single(Emulator.StoredCustomResources("kubetest.io", "testjobs", Ns)), "uid"));
    }

    [Fact]
    public async Task The_status_endpoint_changes_only_the_status_and_never_the_generation()
    {
        await CreateAsync(TestJob("one"));
        var current = (await SendAsync(HttpMethod.Get, TestJobs + "/one/status")).Body;
        current["status"] = new JsonObject { ["phase"] = "Running", ["totalNum"] = 3 };
        current["spec"]!["mainStep"]!["template"]!["spec"]!["containers"]![0]!["image"] = "ignored";
        current["metadata"]!["labels"] = new JsonObject { ["ignored"] = "yes" };

        var (putCode, put) = await SendAsync(HttpMethod.Put, TestJobs + "/one/status", current.ToJsonString());
        var (patchCode, patched) = await SendAsync(HttpMethod.Patch, TestJobs + "/one/status", "{\"status\":{\"successNum\":3},\"spec\":null}", contentType: "application/merge-patch+json");
        var invalid = await SendAsync(HttpMethod.Patch, TestJobs + "/one/status", "{\"status\":{\"phase\":\"Exploded\"}}", contentType: "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.OK, putCode);
        Assert.Equal(("Running", "3"), (put["status"]!["phase"]!.ToString(), put["status"]!["totalNum"]!.ToString()));
        Assert.Equal("alpine", put["spec"]!["mainStep"]!["template"]!["spec"]!["containers"]![0]!["image"]!.ToString());
        Assert.Null(put["metadata"]!["labels"]);
        Assert.Equal("1", Meta(put, "generation"));
        Assert.Equal(HttpStatusCode.OK, patchCode);
        Assert.Equal("3", patched["status"]!["successNum"]!.ToString());
        Assert.NotNull(patched["spec"]);
        Assert.Equal("1", Meta(patched, "generation"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Code);
        Assert.Equal("TestJob.kubetest.io \"one\" is invalid: status.phase: Unsupported value: \"Exploded\": supported values: \"Pending\", \"Running\", \"Succeeded\", \"Failed\", \"Error\"", invalid.Body["message"]!.ToString());
    }

    [Fact]
    public async Task Rbac_checks_testjobs_and_testjobs_status_apart()
    {
        await CreateAsync(TestJob("one"));

        var kubetest = await SendAsync(HttpMethod.Get, TestJobs + "/one", identity: "kubetest");
        var statusPatch = await SendAsync(HttpMethod.Patch, TestJobs + "/one/status", "{\"status\":{\"phase\":\"Running\"}}", identity: "controller", contentType: "application/merge-patch+json");
        var mainPatch = await SendAsync(HttpMethod.Patch, TestJobs + "/one", "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", identity: "controller", contentType: "application/merge-patch+json");
        var create = await SendAsync(HttpMethod.Post, TestJobs, TestJob("two"), identity: "controller");

        Assert.Equal(HttpStatusCode.Forbidden, kubetest.Code);
        Assert.Equal("testjobs.kubetest.io \"one\" is forbidden: User \"system:serviceaccount:default:kubetest\" cannot get resource \"testjobs\" in API group \"kubetest.io\" in the namespace \"default\"", kubetest.Body["message"]!.ToString());
        Assert.Equal(HttpStatusCode.OK, statusPatch.Code);
        Assert.Equal(HttpStatusCode.Forbidden, mainPatch.Code);
        Assert.Equal(HttpStatusCode.Forbidden, create.Code);
    }

    [Fact]
    public async Task Deleting_an_object_with_a_finalizer_marks_it_and_emptying_the_finalizers_removes_it_and_its_owned_configmaps()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var created = await CreateAsync(TestJob("one").Replace("\"name\":\"one\"", "\"name\":\"one\",\"finalizers\":[\"kubetest.io/report\"]", StringComparison.Ordinal));
        var owner = new k8s.Models.V1OwnerReference { ApiVersion = "kubetest.io/v1", Kind = "TestJob", Name = "one", Uid = Meta(created, "uid") };
        await Admin.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new k8s.Models.V1ObjectMeta { Name = "report", OwnerReferences = [owner] } }, Ns, cancellationToken: timeout.Token);
        await Admin.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new k8s.Models.V1ObjectMeta { Name = "unrelated" } }, Ns, cancellationToken: timeout.Token);
        var events = WatchAsync(Meta(created, "resourceVersion"), 2, timeout.Token);

        var (deleteCode, deleting) = await SendAsync(HttpMethod.Delete, TestJobs + "/one");
        var stillThere = await SendAsync(HttpMethod.Get, TestJobs + "/one");
        var addFinalizer = await SendAsync(HttpMethod.Patch, TestJobs + "/one", "{\"metadata\":{\"finalizers\":[\"kubetest.io/report\",\"other\"]}}", contentType: "application/merge-patch+json");
        var release = await SendAsync(HttpMethod.Patch, TestJobs + "/one", "{\"metadata\":{\"finalizers\":null}}", contentType: "application/merge-patch+json");
        var gone = await SendAsync(HttpMethod.Get, TestJobs + "/one");

        Assert.Equal(HttpStatusCode.OK, deleteCode);
        Assert.NotEqual(string.Empty, Meta(deleting, "deletionTimestamp"));
        Assert.Equal("0", Meta(deleting, "deletionGracePeriodSeconds"));
        Assert.Equal(HttpStatusCode.OK, stillThere.Code);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, addFinalizer.Code);
        Assert.Equal("TestJob.kubetest.io \"one\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"other\"}", addFinalizer.Body["message"]!.ToString());
        Assert.Equal(HttpStatusCode.OK, release.Code);
        Assert.Equal(HttpStatusCode.NotFound, gone.Code);
        Assert.Equal([("MODIFIED", true), ("DELETED", true)], (await events).Select(e => (e.Type, e.Object["metadata"]?["deletionTimestamp"] is not null)));
        Assert.Equal(["unrelated"], Emulator.StoredConfigMaps(Ns).Select(c => c.Metadata.Name));
    }

    [Fact]
    public async Task Deleting_an_object_without_finalizers_removes_it_at_once_with_its_owned_events()
    {
        var created = await CreateAsync(TestJob("one"));
        await Admin.CoreV1.CreateNamespacedEventAsync(
            new k8s.Models.Corev1Event
            {
                Metadata = new k8s.Models.V1ObjectMeta { Name = "one.1", OwnerReferences = [new k8s.Models.V1OwnerReference { ApiVersion = "kubetest.io/v1", Kind = "TestJob", Name = "one", Uid = Meta(created, "uid") }] },
                InvolvedObject = new k8s.Models.V1ObjectReference { Kind = "TestJob", Name = "one", NamespaceProperty = Ns },
                Reason = "Started",
                Message = "m",
            },
            Ns);

        var (code, status) = await SendAsync(HttpMethod.Delete, TestJobs + "/one");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(("Success", Meta(created, "uid")), (status["status"]!.ToString(), status["details"]!["uid"]!.ToString()));
        Assert.Empty(Emulator.StoredCustomResources("kubetest.io", "testjobs", Ns));
        Assert.Empty((await Admin.CoreV1.ListNamespacedEventAsync(Ns)).Items);
    }

    private async Task<List<(string Type, JsonObject Object)>> WatchAsync(string resourceVersion, int count, CancellationToken cancellationToken)
    {
        using var client = RawClient("admin");
        using var response = await client.GetAsync($"{TestJobs}?watch=1&resourceVersion={resourceVersion}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var events = new List<(string, JsonObject)>();
        while (events.Count < count && await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var e = JsonNode.Parse(line)!;
            events.Add((e["type"]!.ToString(), e["object"]!.AsObject()));
        }

        return events;
    }
}

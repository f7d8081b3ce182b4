using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Kubetest.Emulator.Tests;

/// <summary>configmaps as the API server serves them: create, get, list, replace with resourceVersion conflicts, delete, limits, RBAC.</summary>
public class ConfigMapTests : EmulatorTestBase
{
    [Fact]
    public async Task A_created_configmap_reads_back_with_its_data_and_a_resource_version()
    {
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings", ("timings.json", "{}")), Ns);

        var read = await Client.CoreV1.ReadNamespacedConfigMapAsync("timings", Ns);

        Assert.Equal("{}", read.Data["timings.json"]);
        Assert.Equal(created.ResourceVersion(), read.ResourceVersion());
        Assert.False(string.IsNullOrEmpty(read.Metadata.Uid));
        Assert.Equal(("v1", "ConfigMap"), (read.ApiVersion, read.Kind));
    }

    [Fact]
    public async Task Creating_a_name_that_exists_is_409_already_exists_and_keeps_the_first()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings", ("k", "first")), Ns);

        var status = await FailsAsync(() => Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings", ("k", "second")), Ns), HttpStatusCode.Conflict);

        Assert.Equal("AlreadyExists", status.Reason);
        Assert.Equal("configmaps \"timings\" already exists", status.Message);
        Assert.Equal("first", (await Client.CoreV1.ReadNamespacedConfigMapAsync("timings", Ns)).Data["k"]);
    }

    [Fact]
    public async Task Getting_a_missing_configmap_is_404_not_found()
    {
        var status = await FailsAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("nothing", Ns), HttpStatusCode.NotFound);

        Assert.Equal(("NotFound", "configmaps \"nothing\" not found"), (status.Reason, status.Message));
    }

    [Fact]
    public async Task A_replace_with_the_read_resource_version_succeeds_and_bumps_it_and_a_second_one_on_the_old_version_is_409_conflict()
    {
        var read = await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings", ("k", "1")), Ns);
        read.Data["k"] = "2";
        var replaced = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(read, "timings", Ns);
        read.Data["k"] = "3";

        var status = await FailsAsync(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(read, "timings", Ns), HttpStatusCode.Conflict);

        Assert.True(long.Parse(replaced.ResourceVersion(), System.Globalization.CultureInfo.InvariantCulture) > long.Parse(read.ResourceVersion(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(read.Metadata.Uid, replaced.Metadata.Uid);
        Assert.Equal("Conflict", status.Reason);
        Assert.Equal("Operation cannot be fulfilled on configmaps \"timings\": the object has been modified; please apply your changes to the latest version and try again", status.Message);
        Assert.Equal("2", (await Client.CoreV1.ReadNamespacedConfigMapAsync("timings", Ns)).Data["k"]);
        Assert.Equal(1, Emulator.ConflictCount);
    }

    [Fact]
    public async Task A_replace_without_a_resource_version_is_unconditional_as_for_configmaps_on_a_cluster()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings", ("k", "1")), Ns);

        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(ConfigMap("timings", ("k", "2")), "timings", Ns);

        Assert.Equal("2", (await Client.CoreV1.ReadNamespacedConfigMapAsync("timings", Ns)).Data["k"]);
    }

    [Fact]
    public async Task Replacing_a_missing_configmap_is_404_and_a_body_naming_another_object_is_400()
    {
        await FailsAsync(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(ConfigMap("nothing"), "nothing", Ns), HttpStatusCode.NotFound);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings"), Ns);

        var status = await FailsAsync(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(ConfigMap("other"), "timings", Ns), HttpStatusCode.BadRequest);

        Assert.Equal("the name of the object (other) does not match the name on the URL (timings)", status.Message);
    }

    [Fact]
    public async Task Values_over_one_mebibyte_are_422_invalid_on_create_and_on_replace_and_nothing_changes()
    {
        var big = new string('x', (1024 * 1024) + 1);
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings", ("k", "small")), Ns);

        var onCreate = await FailsAsync(() => Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("huge", ("k", big)), Ns), (HttpStatusCode)422);
        created.Data["k"] = big;
        var onReplace = await FailsAsync(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "timings", Ns), (HttpStatusCode)422);

        Assert.Equal("Invalid", onCreate.Reason);
        Assert.Equal("ConfigMap \"huge\" is invalid: []: Too long: must have at most 1048576 bytes", onCreate.Message);
        Assert.Equal("ConfigMap \"timings\" is invalid: []: Too long: must have at most 1048576 bytes", onReplace.Message);
        Assert.Equal("small", Assert.Single(Emulator.StoredConfigMaps(Ns)).Data["k"]);
    }

    [Fact]
    public async Task Exactly_one_mebibyte_of_values_is_accepted()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings", ("a", new string('x', 1024 * 1024 / 2)), ("b", new string('y', 1024 * 1024 / 2))), Ns);

        Assert.Equal(1024 * 1024 / 2, (await Client.CoreV1.ReadNamespacedConfigMapAsync("timings", Ns)).Data["b"].Length);
    }

    [Fact]
    public async Task Binary_data_reads_back_byte_for_byte_and_counts_with_data_towards_the_mebibyte()
    {
        var bytes = Enumerable.Range(0, 600 * 1024).Select(i => (byte)(i * 7)).ToArray();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "timings" }, BinaryData = new Dictionary<string, byte[]> { ["timings.json.gz"] = bytes } }, Ns);

        var read = await Client.CoreV1.ReadNamespacedConfigMapAsync("timings", Ns);
        read.Data = new Dictionary<string, string> { ["notes"] = new string('n', 500 * 1024) };
        var over = await FailsAsync(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(read, "timings", Ns), (HttpStatusCode)422);
        read.Data = new Dictionary<string, string> { ["timings.json.gz"] = "same key" };
        var duplicate = await FailsAsync(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(read, "timings", Ns), (HttpStatusCode)422);

        Assert.Equal(bytes, read.BinaryData["timings.json.gz"]);
        Assert.Equal("ConfigMap \"timings\" is invalid: []: Too long: must have at most 1048576 bytes", over.Message);
        Assert.Contains("duplicate of key present in binaryData", duplicate.Message, StringComparison.Ordinal);
        Assert.Null(Assert.Single(Emulator.StoredConfigMaps(Ns)).Data);
    }

    [Theory]
    [InlineData("Bad_Name")]
    [InlineData("-leading-dash")]
    public async Task A_name_that_is_no_dns_subdomain_is_422_naming_metadata_name(string name)
    {
        var status = await FailsAsync(() => Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(name), Ns), (HttpStatusCode)422);

        Assert.Equal("metadata.name", Assert.Single(status.Details.Causes).Field);
        Assert.Empty(Emulator.StoredConfigMaps(Ns));
    }

    [Theory]
    [InlineData("a key")]
    [InlineData("..hidden")]
    [InlineData("../etc")]
    public async Task A_data_key_that_is_no_config_key_is_422_naming_it(string key)
    {
        var status = await FailsAsync(() => Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings", (key, "v")), Ns), (HttpStatusCode)422);

        Assert.Equal($"data[{key}]", Assert.Single(status.Details.Causes).Field);
    }

    [Fact]
    public async Task The_kubetest_role_may_get_create_and_update_configmaps_but_not_list_or_delete_them()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings"), Ns);

        var list = await FailsAsync(() => Client.CoreV1.ListNamespacedConfigMapAsync(Ns), HttpStatusCode.Forbidden);
        var delete = await FailsAsync(() => Client.CoreV1.DeleteNamespacedConfigMapAsync("timings", Ns), HttpStatusCode.Forbidden);

        Assert.Equal("configmaps is forbidden: User \"system:serviceaccount:default:kubetest\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\"", list.Message);
        Assert.Equal("configmaps \"timings\" is forbidden: User \"system:serviceaccount:default:kubetest\" cannot delete resource \"configmaps\" in API group \"\" in the namespace \"default\"", delete.Message);
        Assert.Single(Emulator.StoredConfigMaps(Ns));
    }

    [Fact]
    public async Task A_revoked_right_is_a_403_for_the_kubetest_identity_and_not_for_the_admin()
    {
        Emulator.Options.RevokedVerbs.Add("update configmaps");
        var read = await Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("timings", ("k", "1")), Ns);

        await FailsAsync(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(read, "timings", Ns), HttpStatusCode.Forbidden);
        await Admin.CoreV1.ReplaceNamespacedConfigMapAsync(read, "timings", Ns);
    }

    [Fact]
    public async Task An_admin_lists_configmaps_by_label_and_deletes_one()
    {
        await Admin.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", labels: ("app", "kubetest")), Ns);
        await Admin.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b"), Ns);
        await Admin.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c", labels: ("app", "kubetest")), "elsewhere");

        var listed = await Admin.CoreV1.ListNamespacedConfigMapAsync(Ns, labelSelector: "app=kubetest");
        await Admin.CoreV1.DeleteNamespacedConfigMapAsync("b", Ns);

        Assert.Equal(["a"], listed.Items.Select(m => m.Name()));
        Assert.Equal(["a"], Emulator.StoredConfigMaps(Ns).Select(m => m.Name()));
        await FailsAsync(() => Admin.CoreV1.DeleteNamespacedConfigMapAsync("b", Ns), HttpStatusCode.NotFound);
    }

    private static V1ConfigMap ConfigMap(string name, params (string Key, string Value)[] data) => ConfigMap(name, null, data);

    private static V1ConfigMap ConfigMap(string name, (string Key, string Value)? labels, params (string Key, string Value)[] data) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = labels is { } l ? new Dictionary<string, string> { [l.Key] = l.Value } : null,
        },
        Data = data.ToDictionary(d => d.Key, d => d.Value),
    };
}

namespace Kubetest.Emulator.Tests;

/// <summary>The real kubectl on the emulator's configmaps: if it is happy, the wire protocol of the timing store is right.</summary>
public class KubectlConfigMapTests : EmulatorTestBase
{
    private const string ConflictMessage = "Operation cannot be fulfilled on configmaps \"timings\": the object has been modified; please apply your changes to the latest version and try again";

    public KubectlConfigMapTests()
    {
        Kubectl.Path();
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] arguments) =>
        Kubectl.RunAsync(KubeconfigPath, Path.Combine(Directory, "kubectl-cache"), arguments);

    [Fact]
    public async Task Kubectl_creates_gets_replaces_and_deletes_a_configmap_and_a_replace_from_a_stale_copy_is_a_conflict()
    {
        var manifest = Path.Combine(Directory, "configmap.yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: timings\ndata:\n  timings.json: '{\"a\":1}'\n");
        var create = await Run("create", "--validate=false", "-f", manifest);
        var get = await Run("get", "configmap", "timings", "-o", "jsonpath={.data.timings\\.json}");
        var yaml = await Run("get", "configmap", "timings", "-o", "yaml");
        var file = Path.Combine(Directory, "timings.yaml");
        await File.WriteAllTextAsync(file, yaml.Stdout.Replace("{\"a\":1}", "{\"a\":2}", StringComparison.Ordinal));
        var replace = await Run("replace", "--validate=false", "-f", file);
        var stale = await Run("replace", "--validate=false", "-f", file);
        var after = await Run("get", "configmap", "timings", "-o", "jsonpath={.data.timings\\.json}");
        var forbidden = await Run("delete", "configmap", "timings");
        var delete = await Run("--context", "admin", "delete", "configmap", "timings");
        var gone = await Run("get", "configmap", "timings");

        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Equal("configmap/timings created", create.Stdout.Trim());
        Assert.Equal("{\"a\":1}", get.Stdout);
        Assert.True(replace.ExitCode == 0, replace.Stderr);
        Assert.Equal("configmap/timings replaced", replace.Stdout.Trim());
        Assert.Equal(1, stale.ExitCode);
        Assert.Contains($"Error from server (Conflict): error when replacing \"{file}\": {ConflictMessage}", stale.Stderr, StringComparison.Ordinal);
        Assert.Equal("{\"a\":2}", after.Stdout);
        Assert.Contains("Error from server (Forbidden)", forbidden.Stderr, StringComparison.Ordinal);
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        Assert.Equal("configmap \"timings\" deleted", delete.Stdout.Trim());
        Assert.Contains("Error from server (NotFound): configmaps \"timings\" not found", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_create_of_a_configmap_over_one_mebibyte_is_refused_as_invalid()
    {
        var file = Path.Combine(Directory, "big.yaml");
        await File.WriteAllTextAsync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: timings\ndata:\n  timings.json: " + new string('x', (1024 * 1024) + 1) + "\n");

        var (exitCode, _, stderr) = await Run("create", "--validate=false", "-f", file);

        Assert.Equal(1, exitCode);
        Assert.Contains("ConfigMap \"timings\" is invalid: []: Too long: must have at most 1048576 bytes", stderr, StringComparison.Ordinal);
        Assert.Empty(Emulator.StoredConfigMaps(Ns));
    }

    [Fact]
    public async Task Kubectl_shows_binary_data_as_base64_in_yaml_and_creates_it_from_base64()
    {
        var manifest = Path.Combine(Directory, "configmap.yaml");
        var bytes = new byte[] { 0x1F, 0x8B, 0x08, 0x00, 0xFF, 0x00, 0x7B };
        await File.WriteAllTextAsync(manifest, $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: timings\nbinaryData:\n  timings.json.gz: {Convert.ToBase64String(bytes)}\n");

        var create = await Run("create", "--validate=false", "-f", manifest);
        var yaml = await Run("get", "configmap", "timings", "-o", "yaml");

        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.True(yaml.ExitCode == 0, yaml.Stderr);
        Assert.Contains($"binaryData:\n  timings.json.gz: {Convert.ToBase64String(bytes)}\n", yaml.Stdout, StringComparison.Ordinal);
        Assert.Equal(bytes, Assert.Single(Emulator.StoredConfigMaps(Ns)).BinaryData["timings.json.gz"]);
    }

    [Fact]
    public async Task Kubectl_lists_configmaps_by_name_and_a_protobuf_body_from_its_generator_gets_a_clear_refusal()
    {
        var manifest = Path.Combine(Directory, "configmap.yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: timings\ndata:\n  k: v\n");
        await Run("create", "--validate=false", "-f", manifest);

        var list = await Run("--context", "admin", "get", "configmaps");
        var generator = await Run("create", "configmap", "other", "--from-literal=k=v");

        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Matches("(?m)^timings +", list.Stdout);
        Assert.Equal(1, generator.ExitCode);
        Assert.Contains("the emulator reads JSON bodies only", generator.Stderr, StringComparison.Ordinal);
    }
}

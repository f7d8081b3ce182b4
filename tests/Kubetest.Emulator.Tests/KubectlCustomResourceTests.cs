namespace Kubetest.Emulator.Tests;

/// <summary>The real kubectl on the TestJob CRD and its resources: apply, wait, get (Tables), describe, patch, delete with finalizers.</summary>
public class KubectlCustomResourceTests : CustomResourceTestBase
{
    public KubectlCustomResourceTests()
    {
        Kubectl.Path();
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] arguments) =>
        Kubectl.RunAsync(KubeconfigPath, Path.Combine(Directory, "kubectl-cache"), ["--context", "admin", .. arguments]);

    private static string Simple => File.ReadAllText(Path.Combine(RepositoryRoot, "examples", "simple.yaml"));

    [Fact]
    public async Task Kubectl_applies_the_crd_waits_for_it_then_applies_gets_and_reapplies_a_testjob()
    {
        var crd = await Run("apply", "--validate=false", "-f", Path.Combine(RepositoryRoot, "deploy", "crd.yaml"));
        var wait = await Run("wait", "--for", "condition=established", "--timeout=20s", "crd/testjobs.kubetest.io");
        var manifest = Path.Combine(Directory, "simple.yaml");
        await File.WriteAllTextAsync(manifest, Simple);
        var create = await Run("apply", "--validate=false", "-f", manifest);
        await File.WriteAllTextAsync(manifest, Simple.Replace("image: alpine", "image: busybox", StringComparison.Ordinal));
        var configure = await Run("apply", "--validate=false", "-f", manifest);
        var generation = await Run("get", "testjob", "simple-testjob", "-o", "jsonpath={.metadata.generation} {.spec.mainStep.template.spec.containers[0].image}");
        var table = await Run("get", "testjobs");
        var yaml = await Run("get", "testjob", "simple-testjob", "-o", "yaml");
        var status = await Run("patch", "testjob", "simple-testjob", "--subresource=status", "--type=merge", "-p", "{\"status\":{\"phase\":\"Running\",\"totalNum\":4,\"successNum\":1}}");
        var running = await Run("get", "testjobs", "--no-headers");

        Assert.True(crd.ExitCode == 0, crd.Stderr);
        Assert.Equal("customresourcedefinition.apiextensions.k8s.io/testjobs.kubetest.io created", crd.Stdout.Trim());
        Assert.True(wait.ExitCode == 0, wait.Stderr);
        Assert.Equal("customresourcedefinition.apiextensions.k8s.io/testjobs.kubetest.io condition met", wait.Stdout.Trim());
        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Equal("testjob.kubetest.io/simple-testjob created", create.Stdout.Trim());
        Assert.True(configure.ExitCode == 0, configure.Stderr);
        Assert.Equal("testjob.kubetest.io/simple-testjob configured", configure.Stdout.Trim());
        Assert.Equal("2 busybox", generation.Stdout);
        Assert.True(table.ExitCode == 0, table.Stderr);
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "PHASE", "KEYS", "PASSED", "FAILED", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches("^simple-testjob +[0-9]+s$", lines[1]);
        Assert.Contains("kind: TestJob\n", yaml.Stdout, StringComparison.Ordinal);
        Assert.Contains("  name: simple-testjob\n", yaml.Stdout, StringComparison.Ordinal);
        Assert.Contains("generation: 2\n", yaml.Stdout, StringComparison.Ordinal);
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Matches("^simple-testjob +Running +4 +1 +[0-9]+s\n$", running.Stdout);
    }

    [Fact]
    public async Task Kubectl_describes_a_testjob_with_its_events()
    {
        Emulator.InstallCrd(CrdYaml);
        var manifest = Path.Combine(Directory, "simple.yaml");
        await File.WriteAllTextAsync(manifest, Simple);
        await Run("apply", "--validate=false", "-f", manifest);
        var uid = (await Run("get", "testjob", "simple-testjob", "-o", "jsonpath={.metadata.uid}")).Stdout;
        var eventFile = Path.Combine(Directory, "event.yaml");
        await File.WriteAllTextAsync(eventFile, $"apiVersion: v1\nkind: Event\nmetadata:\n  name: simple-testjob.1\ninvolvedObject:\n  apiVersion: kubetest.io/v1\n  kind: TestJob\n  name: simple-testjob\n  namespace: default\n  uid: {uid}\nreason: Started\nmessage: the run started\ntype: Normal\nsource:\n  component: kubetest-controller\n");
        var created = await Run("create", "--validate=false", "-f", eventFile);

        var describe = await Run("describe", "testjob", "simple-testjob");

        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.True(describe.ExitCode == 0, describe.Stderr);
        Assert.Contains("Name:         simple-testjob", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("Kind:         TestJob", describe.Stdout, StringComparison.Ordinal);
        Assert.Matches("Normal +Started +.* +kubetest-controller +the run started", describe.Stdout);
    }

    [Fact]
    public async Task Kubectl_delete_of_a_testjob_with_a_finalizer_leaves_it_terminating_until_a_patch_removes_the_finalizer()
    {
        Emulator.InstallCrd(CrdYaml);
        var manifest = Path.Combine(Directory, "simple.yaml");
        await File.WriteAllTextAsync(manifest, Simple.Replace("  namespace: default\n", "  namespace: default\n  finalizers: [kubetest.io/report]\n", StringComparison.Ordinal));
        await Run("apply", "--validate=false", "-f", manifest);

        var delete = await Run("delete", "testjob", "simple-testjob", "--wait=false");
        var deleting = await Run("get", "testjob", "simple-testjob", "-o", "jsonpath={.metadata.deletionTimestamp}");
        var patch = await Run("patch", "testjob", "simple-testjob", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}");
        var gone = await Run("get", "testjob", "simple-testjob");

        Assert.True(delete.ExitCode == 0, delete.Stderr);
        Assert.Equal("testjob.kubetest.io \"simple-testjob\" deleted", delete.Stdout.Trim());
        Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T", deleting.Stdout);
        Assert.True(patch.ExitCode == 0, patch.Stderr);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("Error from server (NotFound): testjobs.kubetest.io \"simple-testjob\" not found", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_apply_of_a_testjob_the_schema_rejects_prints_the_api_servers_reasons()
    {
        Emulator.InstallCrd(CrdYaml);
        var missing = Path.Combine(Directory, "missing.yaml");
        await File.WriteAllTextAsync(missing, "apiVersion: kubetest.io/v1\nkind: TestJob\nmetadata:\n  name: broken\nspec:\n  log: {}\n");
        var wrongType = Path.Combine(Directory, "wrong.yaml");
        await File.WriteAllTextAsync(wrongType, Simple.Replace("  mainStep:\n", "  mainStep:\n    strategy:\n      failFast: \"yes\"\n      key: {env: K, source: {static: [a]}}\n", StringComparison.Ordinal));

        var refused = await Run("apply", "--validate=false", "-f", missing);
        var typed = await Run("apply", "--validate=false", "-f", wrongType);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("The TestJob \"broken\" is invalid: spec.mainStep: Required value", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, typed.ExitCode);
        Assert.Contains("spec.mainStep.strategy.failFast: Invalid value: \"string\": spec.mainStep.strategy.failFast in body must be of type boolean: \"string\"", typed.Stderr, StringComparison.Ordinal);
        Assert.Empty(Emulator.StoredCustomResources("kubetest.io", "testjobs", Ns));
    }
}

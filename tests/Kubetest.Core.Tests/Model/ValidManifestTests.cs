using k8s;
using k8s.Models;
using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>The spec's examples and a manifest with the later fields load, and the model keeps what they say.</summary>
public class ValidManifestTests
{
    private static readonly Dictionary<string, string> NoParameters = [];

    private static LoadedManifest Load(string name) => ManifestLoader.Load(ManifestFiles.Read("Valid", name), name, NoParameters);

    [Theory]
    [InlineData("simple.yaml")]
    [InlineData("prestep.yaml")]
    [InlineData("strategy-static.yaml")]
    [InlineData("strategy-dynamic.yaml")]
    [InlineData("export-artifact.yaml")]
    [InlineData("later-fields.yaml")]
    [InlineData("simple.json")]
    public void The_spec_examples_load_without_warnings(string name)
    {
        var loaded = Load(name);

        Assert.Empty(loaded.Warnings);
        Assert.Equal("kubetest.io/v1", loaded.Job.ApiVersion);
        Assert.Equal("TestJob", loaded.Job.Kind);
    }

    [Fact]
    public void The_simple_example_has_one_official_container_and_no_strategy()
    {
        var job = Load("simple.yaml").Job;

        Assert.Equal("simple-testjob", job.Metadata.Name);
        Assert.Equal("default", job.Metadata.NamespaceProperty);
        var template = job.Spec.MainStep.Template;
        Assert.Equal("simple-testjob-", template.Metadata.GenerateName);
        var container = Assert.Single(template.Spec.Containers).Container;
        Assert.IsType<V1Container>(container);
        Assert.Equal("test", container.Name);
        Assert.Equal("alpine", container.Image);
        Assert.Equal("/go/src", container.WorkingDir);
        Assert.Equal(["echo"], container.Command);
        Assert.Equal(["hello"], container.Args);
        Assert.Null(job.Spec.MainStep.Strategy);
        Assert.Same(template.Spec.Containers[0], template.MainContainer);
    }

    [Fact]
    public void Json_input_gives_the_same_model_as_yaml()
    {
        var fromYaml = Load("simple.yaml").Job;
        var fromJson = Load("simple.json").Job;

        Assert.Equal(KubernetesJson.Serialize(fromYaml.Metadata), KubernetesJson.Serialize(fromJson.Metadata));
        Assert.Equal(
            KubernetesJson.Serialize(fromYaml.Spec.MainStep.Template.Spec.Containers[0].Container),
            KubernetesJson.Serialize(fromJson.Spec.MainStep.Template.Spec.Containers[0].Container));
        Assert.Equal(fromYaml.Spec.MainStep.Template.Metadata.GenerateName, fromJson.Spec.MainStep.Template.Metadata.GenerateName);
    }

    [Fact]
    public void The_prestep_example_defines_an_artifact_that_the_main_step_mounts_as_an_artifact_volume()
    {
        var spec = Load("prestep.yaml").Job.Spec;

        var preStep = Assert.Single(spec.PreSteps);
        Assert.Equal("create-awesome-stuff", preStep.Name);
        Assert.Equal(StepKind.PreStep, preStep.Kind);
        Assert.Equal(new ArtifactSpec("awesome-stuff", "create-awesome-stuff-container", "/work/awesome-stuff"), Assert.Single(preStep.Template.Spec.Artifacts));
        Assert.Equal(["sh", "-c"], preStep.Template.MainContainer.Container.Command);
        Assert.Equal("echo \"AWESOME!!!\" > awesome-stuff\n", Assert.Single(preStep.Template.MainContainer.Container.Args));

        var volumes = spec.MainStep.Template.Spec.Volumes;
        Assert.Equal(2, volumes.Count);
        Assert.Null(volumes[0].Source);
        Assert.NotNull(volumes[0].Volume.EmptyDir);
        Assert.Equal("prestep-artifact", volumes[1].Name);
        Assert.Equal(new ArtifactVolumeSource("awesome-stuff"), volumes[1].Source);
        var mounts = spec.MainStep.Template.MainContainer.Container.VolumeMounts;
        Assert.Equal(["/work", "/work/awesome-stuff"], mounts.Select(m => m.MountPath));
    }

    [Fact]
    public void The_static_strategy_example_keeps_its_keys_and_scheduler()
    {
        var strategy = Load("strategy-static.yaml").Job.Spec.MainStep.Strategy;

        Assert.NotNull(strategy);
        Assert.Equal("TASK_KEY", strategy.Key.Env);
        Assert.Equal(["TASK_KEY_1", "TASK_KEY_2", "TASK_KEY_3"], strategy.Key.Source.Static);
        Assert.Null(strategy.Key.Source.Dynamic);
        Assert.Equal(new Scheduler(MaxPodNum: 0, MaxContainersPerPod: 10, MaxConcurrentNumPerPod: 10), strategy.Scheduler);
        Assert.False(strategy.Retest);
    }

    [Fact]
    public void The_dynamic_strategy_example_has_a_key_template_and_the_newline_delimiter()
    {
        var strategy = Load("strategy-dynamic.yaml").Job.Spec.MainStep.Strategy;

        Assert.NotNull(strategy);
        Assert.Null(strategy.Key.Source.Static);
        var dynamic = strategy.Key.Source.Dynamic;
        Assert.NotNull(dynamic);
        Assert.Equal("\n", dynamic.Delimiter);
        Assert.Null(dynamic.Filter);
        Assert.Equal("strategy-dynamic-keys-", dynamic.Template.Metadata.GenerateName);
        var key = dynamic.Template.MainContainer.Container;
        Assert.Equal("key", key.Name);
        Assert.StartsWith("echo -n \"\nTASK_KEY_1\n", Assert.Single(key.Args), StringComparison.Ordinal);
    }

    [Fact]
    public void The_export_artifact_example_exports_the_result_artifact()
    {
        var spec = Load("export-artifact.yaml").Job.Spec;

        Assert.Equal(new ExportArtifact("result", "/tmp/artifacts"), Assert.Single(spec.ExportArtifacts));
        Assert.Equal(new ArtifactSpec("result", "test", "/work/result.txt"), Assert.Single(spec.MainStep.Template.Spec.Artifacts));
    }
}

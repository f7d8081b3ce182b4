using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>Warnings for unknown fields and --template parameters.</summary>
public class ManifestLoaderTests
{
    private const string WithTypo = """
        apiVersion: kubetest.io/v1
        kind: TestJob
        spec:
          mainStep:
            strategy:
              key:
                env: TASK_KEY
                source:
                  static: [a, b]
              scheduler:
                maxContainerPerPod: 10
            template:
              spec:
                containers:
                  - name: test
                    command: [echo]
        """;

    private static string WithImage(string action) => $"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        spec:
          mainStep:
            template:
              spec:
                containers:
                  - name: test
                    image: {action}
                    command: [echo]
        """;

    [Fact]
    public void An_unknown_field_is_a_warning_naming_its_path_and_line_not_an_error()
    {
        var loaded = ManifestLoader.Load(WithTypo, "typo.yaml", new Dictionary<string, string>());

        var warning = Assert.Single(loaded.Warnings);
        Assert.Equal("spec.mainStep.strategy.scheduler.maxContainerPerPod", warning.Path);
        Assert.Equal(11, warning.Line);
        Assert.Contains("unknown field", warning.Message, StringComparison.Ordinal);
        Assert.Equal(new Scheduler(0, 0, 0), loaded.Job.Spec.MainStep.Strategy?.Scheduler);
    }

    [Theory]
    [InlineData("{{ .image }}")]
    [InlineData("{{.image}}")]
    public void A_template_parameter_is_substituted_before_parsing(string action)
    {
        var parameters = new Dictionary<string, string> { ["image"] = "golang:1.23" };

        var job = ManifestLoader.Load(WithImage(action), "t.yaml", parameters).Job;

        Assert.Equal("golang:1.23", job.Spec.MainStep.Template.MainContainer.Container.Image);
    }

    [Fact]
    public void Several_parameters_are_each_substituted()
    {
        var parameters = new Dictionary<string, string> { ["registry"] = "ghcr.io/me", ["tag"] = "v2" };

        var job = ManifestLoader.Load(WithImage("{{ .registry }}/app:{{ .tag }}"), "t.yaml", parameters).Job;

        Assert.Equal("ghcr.io/me/app:v2", job.Spec.MainStep.Template.MainContainer.Container.Image);
    }

    [Fact]
    public void A_template_comment_renders_as_nothing()
    {
        var job = ManifestLoader.Load(WithImage("alpine{{/* pinned later */}}"), "t.yaml", new Dictionary<string, string>()).Job;

        Assert.Equal("alpine", job.Spec.MainStep.Template.MainContainer.Container.Image);
    }

    [Fact]
    public void Each_missing_parameter_is_its_own_problem_with_its_line()
    {
        var ex = Assert.Throws<ManifestException>(() =>
            ManifestLoader.Load(WithImage("{{ .registry }}/app:{{ .tag }}"), "t.yaml", new Dictionary<string, string>()));

        Assert.Equal(["registry", "tag"], ex.Problems.Select(p => p.Message.Split('"')[1]));
        Assert.All(ex.Problems, p => Assert.Equal(9, p.Line));
    }

    [Fact]
    public void Static_keys_may_come_from_a_list_file_instead_of_the_manifest()
    {
        const string NoKeys = """
            apiVersion: kubetest.io/v1
            kind: TestJob
            spec:
              mainStep:
                strategy:
                  key:
                    env: TASK_KEY
                    source: {}
                template:
                  spec:
                    containers:
                      - name: test
                        command: [echo]
            """;

        var job = ManifestLoader.Load(NoKeys, "t.yaml", new Dictionary<string, string>(), keysFromListFile: true).Job;

        Assert.Equal("TASK_KEY", job.Spec.MainStep.Strategy?.Key.Env);
        Assert.Throws<ManifestException>(() => ManifestLoader.Load(NoKeys, "t.yaml", new Dictionary<string, string>()));
    }
}

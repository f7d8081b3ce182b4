using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>"Did you mean": an unknown field close to a known one is named in its warning, and in the error of the required field it most likely misspells.</summary>
public class FieldTypoTests
{
    [Fact]
    public void A_misspelt_command_names_the_unknown_field_and_its_line_in_the_required_error()
    {
        var ex = Assert.Throws<ManifestException>(() => Load(Job(containers: """
            - name: test
              image: alpine
              comand: [go, test]
            """)));

        Assert.Equal(
            "invalid manifest typo.yaml: spec.mainStep.template.spec.containers[0].command (line 9): is required for the main container: kubetest runs this command; `comand` (line 11) is not a field of a Kubernetes Container; did you mean `command`?",
            ex.Message);
    }

    [Fact]
    public void A_misspelt_field_of_kubetests_own_is_named_in_the_required_error()
    {
        var ex = Assert.Throws<ManifestException>(() => Load(Job(strategy: """
            strategy:
              key:
                envv: TASK_KEY
                source: {static: [a]}
            """)));

        Assert.Equal(
            "invalid manifest typo.yaml: spec.mainStep.strategy.key.env (line 6): is required; `envv` (line 7) is not a field of `key`; did you mean `env`?",
            ex.Message);
    }

    [Fact]
    public void A_misspelt_main_step_is_named_in_the_required_error()
    {
        var ex = Assert.Throws<ManifestException>(() => Load("""
            apiVersion: kubetest.io/v1
            kind: TestJob
            spec:
              main_step:
                template: {spec: {containers: [{name: test, image: alpine, command: [go]}]}}
            """));

        Assert.Equal("invalid manifest typo.yaml: spec.mainStep (line 3): is required; `main_step` (line 4) is not a field of `spec`; did you mean `mainStep`?", ex.Message);
    }

    [Fact]
    public void An_unknown_field_far_from_the_missing_one_is_not_offered_as_its_typo()
    {
        var ex = Assert.Throws<ManifestException>(() => Load(Job(containers: """
            - name: test
              image: alpine
              run: [go, test]
            """)));

        Assert.Equal("invalid manifest typo.yaml: spec.mainStep.template.spec.containers[0].command (line 9): is required for the main container: kubetest runs this command", ex.Message);
    }

    [Fact]
    public void Unknown_field_warnings_offer_the_closest_known_field_only_when_it_is_close()
    {
        var loaded = Load(Job(strategy: """
            strategy:
              key:
                env: TASK_KEY
                source: {static: [a]}
              scheduler: {maxContainerPerPod: 2, maxPodNumber: 1, mode: queue, colour: red}
            """));

        Assert.Equal(
            [
                "spec.mainStep.strategy.scheduler.maxContainerPerPod (line 9): unknown field, ignored; did you mean `maxContainersPerPod`?",
                "spec.mainStep.strategy.scheduler.maxPodNumber (line 9): unknown field, ignored; did you mean `maxPodNum`?",
                "spec.mainStep.strategy.scheduler.colour (line 9): unknown field, ignored",
            ],
            loaded.Warnings.Select(w => w.ToString()));
    }

    [Fact]
    public void A_field_the_object_already_has_is_not_offered()
    {
        var loaded = Load(Job(containers: """
            - name: test
              image: alpine
              imag: busybox
              command: [go]
            """));

        Assert.Equal("unknown field in a Kubernetes Container, ignored", Assert.Single(loaded.Warnings).Message);
    }

    [Theory]
    [InlineData("comand", "command")]
    [InlineData("Command", "command")]
    [InlineData("max_keys", "maxKeys")]
    [InlineData("readonly", "readOnly")]
    [InlineData("nme", "name")]
    [InlineData("iamge", "image")]
    [InlineData("workDir", "workingDir")]
    [InlineData("envFrm", "envFrom")]
    public void A_name_within_the_edit_distance_of_its_length_is_a_typo(string typed, string known)
    {
        Assert.Equal(known, FieldSuggestion.Closest(typed, ["name", "image", "command", "args", "workingDir", "env", "envFrom", "readOnly", "maxKeys"]));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("cmd")]
    [InlineData("colour")]
    [InlineData("x")]
    public void A_name_far_from_every_known_one_gets_no_suggestion(string typed)
    {
        Assert.Null(FieldSuggestion.Closest(typed, ["name", "image", "command", "args", "workingDir", "env", "envFrom"]));
    }

    [Fact]
    public void A_very_long_unknown_name_is_not_compared()
    {
        Assert.Null(FieldSuggestion.Closest(new string('a', 100_000), ["name"]));
    }

    private static LoadedManifest Load(string manifest) => ManifestLoader.Load(manifest, "typo.yaml", new Dictionary<string, string>());

    private static string Job(string containers = "- {name: test, image: alpine, command: [go]}", string strategy = "") => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        spec:
          mainStep:
        {{Indent(strategy, 4)}}
            template:
              spec:
                containers:
        {{Indent(containers, 10)}}
        """;

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.Split('\n').Select(l => l.Length == 0 ? l : new string(' ', spaces) + l));
}

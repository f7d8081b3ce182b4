using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Kubetest.Cli.Tests.Deploy;

/// <summary>
/// .github/workflows/kind.yml needs Docker and a cluster, which this project's CI lacks: these checks keep what it
/// names true (files, images, the variable the tests read) so it does not rot unseen.
/// </summary>
public partial class KindWorkflowTests
{
    private const string Workflow = ".github/workflows/kind.yml";

    private static readonly YamlMappingNode Root = Load();

    private static IEnumerable<YamlMappingNode> Steps =>
        ((YamlMappingNode)Root["jobs"]).Children.Values.Cast<YamlMappingNode>().SelectMany(j => ((YamlSequenceNode)j["steps"]).Cast<YamlMappingNode>());

    private static string Scripts => string.Join('\n', Steps.Select(s => Value(s, "run")).OfType<string>());

    [Fact]
    public void It_runs_on_push_and_pull_request_on_ubuntu_with_the_dotnet_of_the_target_framework()
    {
        var on = (YamlMappingNode)Root["on"];
        var job = Assert.Single(((YamlMappingNode)Root["jobs"]).Children.Values.Cast<YamlMappingNode>());
        var setup = Assert.Single(Steps, s => Value(s, "uses")?.StartsWith("actions/setup-dotnet@", StringComparison.Ordinal) == true);

        Assert.Equal(["pull_request", "push"], on.Children.Keys.Select(k => k.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal("ubuntu-latest", job["runs-on"].ToString());
        Assert.Equal($"{DeployFiles.DotnetVersion()}.x", ((YamlMappingNode)setup["with"])["dotnet-version"].ToString());
    }

    [Fact]
    public void Every_action_is_pinned_to_a_version_or_a_commit()
    {
        var uses = Steps.Select(s => Value(s, "uses")).OfType<string>().ToList();

        Assert.Contains(uses, u => u.StartsWith("helm/kind-action@", StringComparison.Ordinal));
        Assert.All(uses, u => Assert.Matches(PinnedAction(), u));
    }

    [Fact]
    public void The_images_it_builds_are_the_ones_it_loads_into_kind_and_the_ones_the_kustomizations_set()
    {
        var built = DockerBuild().Matches(Scripts).ToDictionary(m => m.Groups["tag"].Value, m => m.Groups["file"].Value);
        var loaded = KindLoad().Matches(Scripts).Select(m => m.Groups["tag"].Value);

        Assert.Equal(["kubetest-agent:dev", "kubetest:dev"], built.Keys.Order(StringComparer.Ordinal));
        Assert.All(built.Values, file => Assert.True(DeployFiles.Exists(file), $"{Workflow} builds {file}, which the repository lacks"));
        Assert.Equal(built.Keys.Order(StringComparer.Ordinal), loaded.Order(StringComparer.Ordinal));
        foreach (var kustomization in new[] { "deploy/kustomization.yaml", "deploy/all-namespaces/kustomization.yaml" })
        {
            var images = (YamlSequenceNode)Load(kustomization)["images"];
            Assert.All(images.Cast<YamlMappingNode>(), i => Assert.Contains($"{i["newName"]}:{i["newTag"]}", built.Keys));
        }
    }

    [Fact]
    public void What_it_applies_waits_for_and_tests_exists_in_the_repository()
    {
        var applied = Apply().Matches(Scripts).Select(m => m.Groups["path"].Value).ToList();
        var tested = DotnetTest().Matches(Scripts).Select(m => m.Groups["project"].Value).ToList();

        Assert.Contains("deploy", applied);
        Assert.All(applied, path => Assert.True(DeployFiles.Exists(path), $"{Workflow} applies {path}, which the repository lacks"));
        Assert.Equal(["tests/Kubetest.Cli.Tests"], tested);
        Assert.All(tested, project => DeployFiles.ProjectFile(project));
        Assert.Contains("crd/testjobs.kubetest.io", Scripts, StringComparison.Ordinal);
        Assert.Contains("deployment/kubetest-controller", Scripts, StringComparison.Ordinal);
    }

    [Fact]
    public void The_tests_get_the_kubeconfig_in_the_variable_they_read_and_a_filter_that_picks_the_cluster_cases()
    {
        var step = Assert.Single(Steps, s => Value(s, "run")?.StartsWith("dotnet test", StringComparison.Ordinal) == true);
        var env = (YamlMappingNode)step["env"];

        Assert.Equal([Runtimes.ClusterVariable], env.Children.Keys.Select(k => k.ToString()));
        // xunit names a theory case by its arguments: the cluster cases end in "(runtime: Cluster)".
        Assert.Contains($"--filter \"DisplayName~runtime: {nameof(RuntimeKind.Cluster)}\"", Value(step, "run"), StringComparison.Ordinal);
    }

    private static string? Value(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value.ToString() : null;

    private static YamlMappingNode Load(string relative = Workflow)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(DeployFiles.Read(relative)));
        return (YamlMappingNode)Assert.Single(yaml.Documents).RootNode;
    }

    [GeneratedRegex(@"^[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")]
    private static partial Regex PinnedAction();

    [GeneratedRegex(@"docker build -f (?<file>\S+) -t (?<tag>\S+) \.")]
    private static partial Regex DockerBuild();

    [GeneratedRegex(@"kind load docker-image (?<tag>\S+)")]
    private static partial Regex KindLoad();

    [GeneratedRegex(@"kubectl apply( -n \S+)? -[kf] (?<path>\S+)")]
    private static partial Regex Apply();

    [GeneratedRegex(@"dotnet test (?<project>\S+)")]
    private static partial Regex DotnetTest();
}

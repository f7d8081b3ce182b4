using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using k8s.Models;

namespace Kubetest.Cli.Tests.Deploy;

/// <summary>
/// The images of deploy/docker cannot be built here (no Docker engine), so what would break their build or their
/// promises is read from the files: what they copy exists, they publish real projects, they end non-root.
/// </summary>
public class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "deploy/docker/kubetest.Dockerfile", "src/Kubetest.Cli" },
        { "deploy/docker/agent.Dockerfile", "src/Kubetest.Agent" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Every_file_copied_from_the_build_context_exists_and_nothing_is_added_from_a_url(string file, string project)
    {
        var dockerfile = Dockerfile.Read(file);
        var copies = dockerfile.Stages.SelectMany(s => s.All("COPY")).Where(c => !c.Arguments.StartsWith("--from=", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(copies);
        Assert.All(copies.SelectMany(c => c.Words[..^1]), source => Assert.True(DeployFiles.Exists(source), $"{file} copies {source}, which the repository lacks"));
        Assert.Contains(copies, c => project.StartsWith(c.Words[0].TrimEnd('/'), StringComparison.Ordinal));
        Assert.Empty(dockerfile.Stages.SelectMany(s => s.All("ADD")));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_build_stage_publishes_the_project_on_the_sdk_of_the_target_framework_and_the_final_stage_runs_what_it_published(string file, string project)
    {
        var dockerfile = Dockerfile.Read(file);
        var build = dockerfile.Stages[0];
        var publish = Assert.Single(build.All("RUN"), r => r.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal)).Words;
        var output = publish[Array.IndexOf(publish, "-o") + 1];
        var assembly = XDocument.Load(DeployFiles.ProjectFile(publish[2])).Descendants("AssemblyName").Single().Value;

        Assert.Equal(project, publish[2]);
        Assert.Equal($"mcr.microsoft.com/dotnet/sdk:{DeployFiles.DotnetVersion()}", build.Image);
        Assert.Matches($@"^mcr\.microsoft\.com/dotnet/(runtime|runtime-deps):{Regex.Escape(DeployFiles.DotnetVersion())}$", dockerfile.Final.Image);
        var fromBuild = Assert.Single(dockerfile.Final.All("COPY")).Words;
        Assert.Equal($"--from={build.Name}", fromBuild[0]);
        Assert.StartsWith(output, fromBuild[1], StringComparison.Ordinal);
        var entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(dockerfile.Final.All("ENTRYPOINT")).Arguments)!;
        Assert.Equal(assembly, Path.GetFileName(entrypoint[0]));
        Assert.Single(entrypoint);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_final_stage_runs_as_a_numeric_non_root_user(string file, string project)
    {
        var user = Assert.Single(Dockerfile.Read(file).Final.All("USER")).Arguments;

        Assert.True(int.TryParse(user, out var uid) && uid > 0, $"{file} ({project}): USER {user} is not a numeric non-root user");
    }

    [Fact]
    public async Task The_deployment_runs_as_the_user_the_kubetest_image_declares()
    {
        var user = int.Parse(Assert.Single(Dockerfile.Read("deploy/docker/kubetest.Dockerfile").Final.All("USER")).Arguments, System.Globalization.CultureInfo.InvariantCulture);
        var deployment = (await DeployFiles.KustomizeAsync("deploy")).OfType<V1Deployment>().Single();

        Assert.Equal(user, deployment.Spec.Template.Spec.SecurityContext.RunAsUser);
    }

    [Fact]
    public void The_dockerignore_keeps_build_outputs_history_and_test_results_out_of_the_context()
    {
        var ignored = DeployFiles.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet();

        Assert.Superset(new HashSet<string> { "**/bin/", "**/obj/", ".git", "**/TestResults/" }, ignored);
    }
}

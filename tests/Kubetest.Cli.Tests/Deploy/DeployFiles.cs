using System.Text.RegularExpressions;
using k8s;
using Kubetest.Emulator;

namespace Kubetest.Cli.Tests.Deploy;

/// <summary>The repository's deploy files as the tests read them: paths from the root, kustomize output as typed objects.</summary>
internal static partial class DeployFiles
{
    public static string Root => CliRunner.RepositoryRoot;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>A repository path as a workflow or Dockerfile names it exists (a file, or a directory).</summary>
    public static bool Exists(string relative) => File.Exists(PathOf(relative)) || Directory.Exists(PathOf(relative));

    /// <summary>The project a <c>dotnet publish/test PATH</c> names: PATH is its directory holding one csproj, or the csproj.</summary>
    public static string ProjectFile(string relative)
    {
        var path = PathOf(relative.TrimEnd('/'));
        return File.Exists(path) && path.EndsWith(".csproj", StringComparison.Ordinal)
            ? path
            : Assert.Single(Directory.Exists(path) ? Directory.GetFiles(path, "*.csproj") : []);
    }

    /// <summary>The major.minor of net10.0 in Directory.Build.props: the SDK, images and setup-dotnet must use it.</summary>
    public static string DotnetVersion() => TargetFramework().Match(Read("Directory.Build.props")).Groups[1].Value;

    /// <summary>What `kubectl kustomize DIR` prints (kubectl's built-in kustomize, offline), as the official client's objects.</summary>
    public static async Task<IReadOnlyList<IKubernetesObject>> KustomizeAsync(string directory)
    {
        var (exit, stdout, stderr) = await Kubectl.RunLocalAsync("kustomize", PathOf(directory));
        Assert.True(exit == 0, $"kubectl kustomize {directory}: {stderr}");
        return [.. KubernetesYaml.LoadAllFromString(stdout).Cast<IKubernetesObject>()];
    }

    [GeneratedRegex(@"<TargetFramework>net(\d+\.\d+)</TargetFramework>")]
    private static partial Regex TargetFramework();
}

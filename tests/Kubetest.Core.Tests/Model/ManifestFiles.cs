namespace Kubetest.Core.Tests.Model;

/// <summary>The manifests under Manifests/ in the test output directory.</summary>
internal static class ManifestFiles
{
    public static string Directory(string kind) => Path.Combine(AppContext.BaseDirectory, "Manifests", kind);

    public static string Read(string kind, string name) => File.ReadAllText(Path.Combine(Directory(kind), name));
}

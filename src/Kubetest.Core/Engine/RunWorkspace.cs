namespace Kubetest.Engine;

/// <summary>
/// The run's private directory: artifacts, the log file, the report, the local runtime's pods.
/// Deleted when the run ends so that nothing is left behind.
/// </summary>
public sealed class RunWorkspace : IDisposable
{
    private RunWorkspace(string root)
    {
        Root = root;
        Directory.CreateDirectory(ArtifactsDirectory);
        Directory.CreateDirectory(PodsDirectory);
    }

    public string Root { get; }

    public string ArtifactsDirectory => Path.Combine(Root, "artifacts");

    public string PodsDirectory => Path.Combine(Root, "pods");

    /// <summary>The run's log, for <c>log: {}</c> volumes.</summary>
    public string LogPath => Path.Combine(Root, "kubetest.log");

    /// <summary>The main step's report, for <c>report: {format: json}</c> volumes.</summary>
    public string ReportPath => Path.Combine(Root, "report.json");

    public static RunWorkspace Create(string parent)
    {
        var root = Path.Combine(parent, $"kubetest-{Guid.NewGuid():N}"[..21]);
        Directory.CreateDirectory(root);
        return new RunWorkspace(root);
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            FileTree.Delete(Root);
        }
    }
}

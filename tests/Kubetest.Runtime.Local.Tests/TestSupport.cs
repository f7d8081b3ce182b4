using System.Collections.Concurrent;
using System.Diagnostics;
using k8s.Models;
using Kubetest.Runtime;
using Kubetest.Runtime.Local;

namespace Kubetest.Runtime.Local.Tests;

/// <summary>Collects output lines; optionally reacts to one.</summary>
public sealed class RecordingSink : IOutputSink
{
    private readonly ConcurrentQueue<(OutputStream Stream, string Line)> _lines = new();
    private readonly Action<string>? _onLine;

    public RecordingSink(Action<string>? onLine = null) => _onLine = onLine;

    public IReadOnlyList<string> Stdout => _lines.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Line).ToList();

    public IReadOnlyList<string> Stderr => _lines.Where(l => l.Stream == OutputStream.Stderr).Select(l => l.Line).ToList();

    public void WriteLine(OutputStream stream, string line)
    {
        _lines.Enqueue((stream, line));
        _onLine?.Invoke(line);
    }
}

/// <summary>A per-test state root, removed afterwards, plus helpers to describe pods.</summary>
public abstract class RuntimeTestBase : IDisposable
{
    private static readonly Dictionary<string, string> NoEnv = [];

    protected RuntimeTestBase(SandboxMode mode)
    {
        Root = Directory.CreateTempSubdirectory("kubetest-local-tests-").FullName;
        Warnings = [];
        if (mode == SandboxMode.Bwrap)
        {
            Assert.True(
                LocalSandbox.Detect() == SandboxMode.Bwrap,
                "these tests need a working bwrap (install bubblewrap: apt-get install bubblewrap); LocalSandbox.Detect() found none");
        }

        Runtime = new LocalPodRuntime(Path.Combine(Root, "pods"), mode, Warnings.Add);
    }

    protected string Root { get; }

    protected List<string> Warnings { get; }

    protected LocalPodRuntime Runtime { get; }

    protected static IReadOnlyDictionary<string, string> Env(params (string Name, string Value)[] variables) =>
        variables.Length == 0 ? NoEnv : variables.ToDictionary(v => v.Name, v => v.Value);

    protected static V1Container Container(string name, params string[] command) => new()
    {
        Name = name,
        Image = "ignored",
        Command = command.Length == 0 ? null : command,
    };

    protected static V1VolumeMount VolumeMount(string mountPath, string volume, bool readOnly = false) =>
        new() { MountPath = mountPath, Name = volume, ReadOnlyProperty = readOnly };

    protected static V1Volume EmptyDir(string name) => new() { Name = name, EmptyDir = new V1EmptyDirVolumeSource() };

    protected static PodRequest Request(V1PodSpec spec, IEnumerable<string>? held = null, IReadOnlyList<ContainerFile>? files = null) =>
        new("test-", new V1ObjectMeta(), spec, (held ?? spec.Containers.Select(c => c.Name)).ToList(), files ?? [], null);

    protected string WriteLocalFile(string name, string content)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, content);
        return path;
    }

    protected static async Task<(int ExitCode, RecordingSink Output)> Exec(IPod pod, string container, string script)
    {
        var sink = new RecordingSink();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var exitCode = await pod.ExecAsync(container, ["sh", "-c", script], sink, timeout.Token);
        return (exitCode, sink);
    }

    /// <summary>Host processes whose command line contains <paramref name="marker"/>.</summary>
    protected static List<int> ProcessesWith(string marker)
    {
        var result = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(marker, StringComparison.Ordinal))
                {
                    result.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return result;
    }

    protected static string UniqueSleepSeconds() => "1000." + Random.Shared.Next(100_000, 999_999);

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}

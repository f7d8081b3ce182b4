using System.Formats.Tar;
using System.Text;
using Kubetest.Agent.Client;
using Kubetest.Files;

namespace Kubetest.Agent.Tests;

/// <summary>
/// The agent in a filesystem like a minimal image: only the shared libraries, the .NET runtime and
/// the agent itself (bwrap, read-only), an empty /tmp, and no /bin at all, so neither <c>sh</c> nor <c>tar</c>;
/// no /etc either, so no /etc/passwd to name file owners with (as in an image built FROM scratch).
/// </summary>
public sealed class ImageWithoutShellTests : IAsyncLifetime
{
    private AgentProcess _agent = null!;
    private string[] _version = [];

    public async Task InitializeAsync()
    {
        Skip.If(FindOnPath("bwrap") is null, "bwrap (bubblewrap) is not installed");
        // No --die-with-parent: its PR_SET_PDEATHSIG follows the thread that forked bwrap, here a thread-pool thread,
        // and the pool retiring that thread would kill the outer bwrap and leave the agent running (the local runtime
        // forks from a thread of its own: ProcessSpawner). DisposeAsync kills the whole tree instead.
        List<string> sandbox =
        [
            FindOnPath("bwrap")!, "--unshare-pid",
            "--ro-bind", "/usr/lib", "/usr/lib", "--symlink", "usr/lib", "/lib",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--setenv", "PATH", "/agent", "--chdir", "/tmp",
        ];
        if (Directory.Exists("/usr/lib64"))
        {
            sandbox.AddRange(["--ro-bind", "/usr/lib64", "/usr/lib64", "--symlink", "usr/lib64", "/lib64"]);
        }

        // A published binary needs nothing but itself and libc; the build's dll needs the .NET runtime beside it.
        if (AgentProcess.PublishedBinary is { } binary)
        {
            sandbox.AddRange(["--ro-bind", binary, "/agent/kubetest-agent", "--", "/agent/kubetest-agent"]);
            _version = ["kubetest-agent", "--version"];
        }
        else
        {
            var dotnetRoot = Path.GetDirectoryName(new FileInfo(ResolvedDotnet()).FullName)!;
            sandbox.AddRange(["--ro-bind", dotnetRoot, "/dotnet", "--ro-bind", Path.GetDirectoryName(AgentProcess.AgentDll)!, "/agent", "--setenv", "PATH", "/dotnet", "--", "/dotnet/dotnet", "/agent/kubetest-agent.dll"]);
            _version = ["dotnet", "/agent/kubetest-agent.dll", "--version"];
        }

        _agent = await AgentProcess.StartReadyAsync(AgentKey.Create(TimeProvider.System), [], sandbox);
    }

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task A_program_of_the_image_runs_and_a_shell_is_reported_missing()
    {
        using var client = _agent.Client();
        var version = new CollectingOutput();
        var shell = new CollectingOutput();

        var versionExit = await client.ExecAsync(_version, null, null, version);
        var shellExit = await client.ExecAsync(["sh", "-c", "true"], null, null, shell);

        Assert.Equal((0, "kubetest-agent 0.1.0\n"), (versionExit, version.Stdout));
        Assert.Equal((127, "kubetest-agent: cannot run sh: No such file or directory\n"), (shellExit, shell.Stderr));
    }

    [SkippableFact]
    public async Task Files_copy_in_and_out_without_tar_in_the_image()
    {
        using var client = _agent.Client();
        var local = Directory.CreateTempSubdirectory("kubetest-agent-image-").FullName;
        try
        {
            using (var archive = new MemoryStream())
            {
                using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "report"));
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "report/result.txt") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes("ok")) });
                }

                archive.Position = 0;
                await client.CopyToAsync("/tmp/work/report", archive);
            }

            await using (var archive = await client.CopyFromAsync("/tmp/work/report"))
            {
                TarExtractor.Extract(archive, local, CancellationToken.None);
            }

            Assert.Equal("ok", await File.ReadAllTextAsync(Path.Combine(local, "report", "result.txt")));
            Assert.False(Directory.Exists("/tmp/work/report"), "the copy went into the sandbox's own /tmp, not the host's");
        }
        finally
        {
            FileTree.Delete(local);
        }
    }

    private static string ResolvedDotnet()
    {
        var host = AgentProcess.DotnetHost;
        var path = Path.IsPathRooted(host) ? host : FindOnPath(host)!;
        return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}

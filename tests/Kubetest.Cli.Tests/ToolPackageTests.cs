using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Xml.Linq;

namespace Kubetest.Cli.Tests;

/// <summary>
/// The CLI as a user installs it: <c>dotnet pack</c> makes the .NET tool package, <c>dotnet tool
/// install</c> takes it from a local folder only (no network), and the installed <c>kubetest</c>
/// prints its version and runs an example. Everything happens in this test's own temp directory
/// (packages, NuGet cache, tool path), so parallel tests and other runs do not meet it.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-tool-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_packed_tool_installs_from_a_local_folder_prints_its_version_and_runs_an_example()
    {
        var nupkg = Path.Combine(_root, "nupkg");
        var project = Path.Combine(CliRunner.RepositoryRoot, "src", "Kubetest.Cli", "Kubetest.Cli.csproj");

        // The project is built already (this test project references it): pack what was built,
        // with the intermediate nuspec in our own directory, so no build races the parallel tests.
        var pack = await DotnetAsync(CliRunner.RepositoryRoot, "pack", project, "-c", Configuration, "--no-build", "-o", nupkg, $"-p:NuspecOutputPath={Path.Combine(_root, "obj")}/");
        Assert.True(pack.ExitCode == 0, pack.ToString());
        var package = Assert.Single(Directory.GetFiles(nupkg, "*.nupkg"));
        Assert.Equal($"kubetest.{Version}.nupkg", Path.GetFileName(package));
        AssertCarriesReadmeAndLicense(package);
        Assert.DoesNotContain("warning", pack.Stdout, StringComparison.OrdinalIgnoreCase);

        var config = Path.Combine(_root, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{nupkg}" />
              </packageSources>
            </configuration>
            """);
        var tools = Path.Combine(_root, "tools");
        var install = await DotnetAsync(_root, "tool", "install", "--tool-path", tools, "--configfile", config, "--add-source", nupkg, "kubetest");
        Assert.True(install.ExitCode == 0, install.ToString());

        var kubetest = Path.Combine(tools, "kubetest");
        var version = await RunAsync(kubetest, _root, "--version");
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal(Version, version.Stdout.Trim());
        Assert.Matches(@"^\d+\.\d+\.\d+$", version.Stdout.Trim());

        var example = await RunAsync(kubetest, _root, "--runtime", "local", CliRunner.Example("strategy-static.yaml"));
        Assert.True(example.ExitCode == 0, example.ToString());
        using var report = JsonDocument.Parse(example.Stdout);
        Assert.Equal("success", report.RootElement.GetProperty("status").GetString());
        Assert.Equal(3, report.RootElement.GetProperty("totalNum").GetInt32());

        // The package carries kubetest-cow (a package keeps no executable bit): containers get a writable root.
        Assert.DoesNotContain("read-only", example.Stderr, StringComparison.Ordinal);
    }

    /// <summary>What nuget.org shows on the package's page: the README, and the license as an SPDX expression.</summary>
    private static void AssertCarriesReadmeAndLicense(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var readme = zip.GetEntry("README.md");
        Assert.NotNull(readme);
        using (var reader = new StreamReader(readme.Open()))
        {
            Assert.Equal(File.ReadAllText(Path.Combine(CliRunner.RepositoryRoot, "README.md")), reader.ReadToEnd());
        }

        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        var metadata = XDocument.Load(nuspec.Open()).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Equal("README.md", Field("readme"));
        Assert.Equal("MIT", Field("license"));
    }

    /// <summary>The version the CLI assembly was built with: the one place it is set (Directory.Build.props).</summary>
    private static string Version => typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

    private Task<CliRun> DotnetAsync(string workingDirectory, params string[] args) => RunAsync("dotnet", workingDirectory, args);

    private async Task<CliRun> RunAsync(string program, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // A NuGet cache of our own: the machine's must not hold (or serve) this build's package.
        info.Environment["NUGET_PACKAGES"] = Path.Combine(_root, "packages");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["TMPDIR"] = Directory.CreateDirectory(Path.Combine(_root, "tmp")).FullName;
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(_root, "cache");

        // The tool's launcher finds the runtime this test runs on.
        info.Environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}

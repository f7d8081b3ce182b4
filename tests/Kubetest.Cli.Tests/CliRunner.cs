using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Kubetest.Cli.Tests;

/// <summary>What one run of the real <c>kubetest</c> binary printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The report JSON that the run printed on stdout.</summary>
    public JsonElement Report => JsonDocument.Parse(Stdout).RootElement;

    public IReadOnlyList<string> StderrLines => Stderr.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the built CLI (<c>dotnet kubetest.dll …</c>) as a separate process, the way a user does,
/// with its temp directory pointed at a folder of the test's own so that leftovers can be seen.
/// </summary>
public sealed partial class CliRunner : IDisposable
{
    private static readonly Lazy<string> CliDll = new(FindCli);
    private readonly IReadOnlyList<string> _runtimeArgs;

    /// <param name="runtimeArgs">Options that choose the runtime, put before every run's own arguments.</param>
    public CliRunner(IReadOnlyList<string>? runtimeArgs = null)
    {
        _runtimeArgs = runtimeArgs ?? [];
        Directory.CreateDirectory(TempDirectory);
    }

    /// <summary>Another build of the CLI to run instead of the one beside this test assembly (a copy missing a file, say).</summary>
    public string? CliOverride { get; set; }

    /// <summary>Environment variables to set for the CLI's process.</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>A fresh directory for this test: manifests, outputs, and the CLI's TMPDIR.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "kubetest-e2e", Guid.NewGuid().ToString("N")[..12]);

    public string TempDirectory => Path.Combine(Root, "tmp");

    /// <summary>The CLI's XDG_CACHE_HOME, where its default timing store is (unless <see cref="Environment"/> says otherwise).</summary>
    public string CacheDirectory => Path.Combine(Root, "cache");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>What the CLI left in its temp directory: run workspaces must all be gone.</summary>
    public IReadOnlyList<string> Leftovers() => Directory.GetFileSystemEntries(TempDirectory, "kubetest-*");

    public static string Example(string name) => Path.Combine(RepositoryRoot, "examples", name);

    /// <summary>Writes a manifest into the test's directory and returns its path.</summary>
    public string Write(string name, string text)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public async Task<CliRun> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Runs the CLI with its stderr copied to <paramref name="stderrPath"/> instead of kept in memory
    /// (for runs that print hundreds of megabytes); the returned run's Stderr is empty.
    /// </summary>
    public async Task<CliRun> RunWithStderrFileAsync(string stderrPath, params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var file = File.Create(stderrPath);
        await using (file)
        {
            await process.StandardError.BaseStream.CopyToAsync(file, timeout.Token);
        }

        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, "");
    }

    /// <summary>Starts the CLI, waits until stderr shows <paramref name="marker"/>, then sends <paramref name="signal"/> (INT or TERM).</summary>
    public Task<CliRun> RunAndSignalAsync(string signal, string marker, params string[] args) =>
        RunAndSignalAsync(signal, [marker], args);

    /// <summary>Like <see cref="RunAndSignalAsync(string, string, string[])"/>, signalling once stderr has shown every one of <paramref name="markers"/>.</summary>
    public Task<CliRun> RunAndSignalAsync(string signal, IReadOnlyList<string> markers, params string[] args) =>
        RunAndSignalAsync(signal, markers, Task.CompletedTask, args);

    /// <summary>Like <see cref="RunAndSignalAsync(string, IReadOnlyList{string}, string[])"/>, signalling once <paramref name="ready"/> has completed too (e.g. a server saw the run connect).</summary>
    public async Task<CliRun> RunAndSignalAsync(string signal, IReadOnlyList<string> markers, Task ready, params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = new StringBuilder();
        var seen = new TaskCompletionSource();
        var waiting = markers.ToList();
        var reading = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is string line)
            {
                lock (stderr)
                {
                    stderr.AppendLine(line);
                }

                waiting.RemoveAll(m => line.Contains(m, StringComparison.Ordinal));
                if (waiting.Count == 0)
                {
                    seen.TrySetResult();
                }
            }

            seen.TrySetResult();
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await seen.Task.WaitAsync(timeout.Token);
        await ready.WaitAsync(timeout.Token);
        using (var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(timeout.Token);
        }

        await process.WaitForExitAsync(timeout.Token);
        await reading;
        return new CliRun(process.ExitCode, await stdout, stderr.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private Process Start(string[] args, bool withRuntime = true)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        info.ArgumentList.Add(CliOverride ?? CliDll.Value);
        foreach (var arg in (withRuntime ? _runtimeArgs : []).Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["TMPDIR"] = TempDirectory;
        // The local runtime's default timing store lives here: a test's runs never plan with another test's times.
        info.Environment["XDG_CACHE_HOME"] = CacheDirectory;
        foreach (var (name, value) in Environment)
        {
            info.Environment[name] = value;
        }
        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kubetest.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Kubetest.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The CLI built beside this test assembly (the project reference copies it here).</summary>
    private static string FindCli()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "kubetest.dll");
        return File.Exists(dll) && File.Exists(Path.Combine(AppContext.BaseDirectory, "kubetest.runtimeconfig.json"))
            ? dll
            : throw new InvalidOperationException($"kubetest.dll with its runtimeconfig is not in {AppContext.BaseDirectory}: build the solution first");
    }
}

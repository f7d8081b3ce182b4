using System.Diagnostics;

namespace Kubetest.Emulator;

/// <summary>Runs the real kubectl, which nobody here wrote: if it is happy, the wire protocol is right.</summary>
public static class Kubectl
{
    public static string Path() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(dir => System.IO.Path.Combine(dir, "kubectl"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("kubectl is not on PATH: these tests run the real kubectl against the emulator (install it, e.g. .ci/run does)");

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string kubeconfig, string cacheDirectory, params string[] arguments) =>
        RunAsync(kubeconfig, cacheDirectory, null, arguments);

    /// <summary>Runs kubectl with <paramref name="stdin"/> as its input (closed at once when null).</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string kubeconfig, string cacheDirectory, byte[]? stdin, params string[] arguments) =>
        RunProcessAsync(stdin, ["--kubeconfig", kubeconfig, "--cache-dir", cacheDirectory, .. arguments]);

    /// <summary>Runs kubectl on files alone, with no server (<c>kustomize</c>, <c>label --local</c>).</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunLocalAsync(params string[] arguments) => RunProcessAsync(null, arguments);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunProcessAsync(byte[]? stdin, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Path())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

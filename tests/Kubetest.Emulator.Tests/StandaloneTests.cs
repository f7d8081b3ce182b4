using System.Diagnostics;

namespace Kubetest.Emulator.Tests;

public sealed class StandaloneTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kubetest-emulator-standalone-").FullName;

    /// <summary>The emulator's own build output next to ours (a referenced Exe is copied with its runtimeconfig), else its project's.</summary>
    private static string EmulatorDll()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "Kubetest.Emulator.dll");
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, "Kubetest.Emulator.runtimeconfig.json")))
        {
            return beside;
        }

        var own = AppContext.BaseDirectory.Replace("Kubetest.Emulator.Tests", "Kubetest.Emulator", StringComparison.Ordinal);
        return Path.Combine(own, "Kubetest.Emulator.dll");
    }

    [Fact]
    public async Task The_standalone_emulator_writes_a_kubeconfig_that_kubectl_uses_and_exits_on_sigint()
    {
        Kubectl.Path();
        var kubeconfig = Path.Combine(_directory, "kubeconfig");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { EmulatorDll(), "--kubeconfig", kubeconfig })
        {
            start.ArgumentList.Add(argument);
        }

        using var emulator = Process.Start(start)!;
        var stdout = emulator.StandardOutput.ReadToEndAsync();
        var stderr = emulator.StandardError.ReadToEndAsync();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(kubeconfig) && !emulator.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.True(File.Exists(kubeconfig), $"no kubeconfig after 30 s; the emulator said: {(emulator.HasExited ? await stderr : "(still running)")}");

            var (exitCode, output, error) = await Kubectl.RunAsync(kubeconfig, Path.Combine(_directory, "cache"), "get", "pods");
            Assert.True(exitCode == 0, error);
            Assert.Equal("No resources found in default namespace.", error.Trim());
            Assert.Equal(string.Empty, output);

            using (var kill = Process.Start("kill", ["-INT", emulator.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await emulator.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, emulator.ExitCode);
            Assert.Contains("kubeconfig written to", await stdout, StringComparison.Ordinal);
        }
        finally
        {
            if (!emulator.HasExited)
            {
                emulator.Kill(entireProcessTree: true);
            }
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

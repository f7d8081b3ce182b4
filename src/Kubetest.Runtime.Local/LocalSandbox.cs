using System.Diagnostics;

namespace Kubetest.Runtime.Local;

/// <summary>Finds out which <see cref="SandboxMode"/> this machine supports.</summary>
public static class LocalSandbox
{
    public const string NoSandboxWarning =
        "bwrap (bubblewrap) is not available: containers run directly on the host, volumes are not mounted at their mountPath, and commands using container paths may fail";

    /// <summary>
    /// <see cref="SandboxMode.Bwrap"/> when <c>bwrap</c> is on PATH and can actually create a sandbox
    /// (it can be installed yet refused by the kernel or a container policy), else <see cref="SandboxMode.None"/>.
    /// </summary>
    public static SandboxMode Detect()
    {
        var bwrap = FindBwrap();
        return bwrap is not null && CanSandbox(bwrap) ? SandboxMode.Bwrap : SandboxMode.None;
    }

    /// <summary>The full path of <c>bwrap</c> on PATH, or null.</summary>
    public static string? FindBwrap() => FindOnPath("bwrap", Environment.GetEnvironmentVariable("PATH"));

    internal static string? FindOnPath(string program, string? path)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program) ? program : null;
        }

        foreach (var directory in (path ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool CanSandbox(string bwrap)
    {
        var startInfo = new ProcessStartInfo(bwrap)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["--ro-bind", "/", "/", "true"])
        {
            startInfo.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(startInfo);
            if (process is null)
            {
                return false;
            }

            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

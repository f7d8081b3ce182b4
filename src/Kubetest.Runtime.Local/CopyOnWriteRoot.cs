using System.Diagnostics;

namespace Kubetest.Runtime.Local;

/// <summary>
/// How this machine gives a sandboxed container a writable root, as a container on a cluster has:
/// kernel overlays over the host's directories, made by the <c>kubetest-cow</c> helper in a mount
/// namespace of the sandbox's own, so writes land in the container's upper directories (in its
/// state directory, removed with the pod) and never on the host. Found once per runtime.
/// </summary>
/// <param name="Helper">The <c>kubetest-cow</c> executable.</param>
/// <param name="UserNamespace">
/// True without CAP_SYS_ADMIN: the helper first enters a user namespace, where an overlay's lower
/// directory may not have mounts below it, so each top-level directory gets its own overlay.
/// </param>
/// <param name="Overlaid">
/// The host directories every container gets an overlay of: <c>/</c> alone (its own filesystem)
/// when privileged; else each top-level directory that no other mount lies in.
/// </param>
/// <param name="OtherMounts">When <c>/</c> is overlaid: the host's other mounts (outermost first), bound read-only at their paths as before.</param>
internal sealed record CopyOnWriteRoot(string Helper, bool UserNamespace, IReadOnlyList<string> Overlaid, IReadOnlyList<string> OtherMounts)
{
    /// <summary>The helper's file name, next to the runtime's assembly.</summary>
    public const string HelperName = "kubetest-cow";

    // The kernel's views of these are replaced by fresh ones (or a private dir for /tmp) in every sandbox.
    private static readonly string[] Replaced = ["/proc", "/dev", "/tmp"];

    /// <summary>Where the build puts the helper: beside this assembly.</summary>
    public static string DefaultHelper => Path.Combine(AppContext.BaseDirectory, HelperName);

    /// <summary>
    /// Tries the helper once (privileged first, then in a user namespace) with a scratch overlay
    /// under <paramref name="scratchParent"/>, the filesystem the containers' upper directories
    /// will be on. Null, with the reason in <paramref name="problem"/>, when neither works.
    /// <paramref name="allowPrivileged"/> false skips the privileged form.
    /// </summary>
    public static CopyOnWriteRoot? Detect(string helper, string scratchParent, bool allowPrivileged, out string? problem)
    {
        if (!OperatingSystem.IsLinux())
        {
            problem = "overlays are a Linux kernel feature";
            return null;
        }

        if (!File.Exists(helper))
        {
            problem = $"{helper} is missing (it is built with the C compiler `cc`)";
            return null;
        }

        try
        {
            // A package (the dotnet tool) does not keep the executable bit.
            var mode = File.GetUnixFileMode(helper);
            if (!mode.HasFlag(UnixFileMode.UserExecute))
            {
                File.SetUnixFileMode(helper, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"{helper} is not executable: {e.Message}";
            return null;
        }

        var mounts = HostMounts();
        problem = null;
        if (allowPrivileged && Environment.IsPrivilegedProcess)
        {
            var root = new CopyOnWriteRoot(helper, UserNamespace: false, ["/"], Outermost(mounts.Where(m => m != "/" && !Replaced.Any(r => ContainerPaths.IsUnder(m, r)))));
            if (root.Probe(scratchParent, out problem))
            {
                return root;
            }
        }

        var topLevel = TopLevelDirectories(mounts);
        var inUserNamespace = new CopyOnWriteRoot(helper, UserNamespace: true, topLevel, []);
        string? userProblem = "no top-level directory without mounts below it";
        if (topLevel.Count > 0 && inUserNamespace.Probe(scratchParent, out userProblem))
        {
            problem = null;
            return inUserNamespace;
        }

        problem = problem is null ? userProblem : $"{problem}; in a user namespace: {userProblem}";
        return null;
    }

    /// <summary>The helper's arguments up to its <c>--</c>: each overlay's lower (host) and upper directories and mount point, and this exec's work directory.</summary>
    public List<string> Arguments(string workDirectory, IReadOnlyList<SandboxOverlay> overlays)
    {
        var arguments = new List<string>(overlays.Count * 4 + 4);
        if (UserNamespace)
        {
            arguments.Add("--userns");
        }

        arguments.Add("--work");
        arguments.Add(workDirectory);
        foreach (var overlay in overlays)
        {
            arguments.AddRange(["--overlay", overlay.Lower, overlay.Upper, overlay.Target]);
        }

        arguments.Add("--");
        return arguments;
    }

    private bool Probe(string scratchParent, out string? problem)
    {
        var scratch = Path.Combine(scratchParent, ".cow-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            var overlays = Overlaid.Select((lower, index) => new SandboxOverlay(lower, lower, Make(scratch, "upper", index), Make(scratch, "mnt", index))).ToList();
            var startInfo = new ProcessStartInfo(Helper)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in Arguments(Path.Combine(scratch, "work"), overlays).Append("true"))
            {
                startInfo.ArgumentList.Add(argument);
            }

            using var process = Process.Start(startInfo)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                problem = $"{HelperName} did not finish in 10 s";
                return false;
            }

            problem = process.ExitCode == 0 ? null : stderr.Result.Trim() is { Length: > 0 } message ? message : $"{HelperName} exited with code {process.ExitCode}";
            return process.ExitCode == 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            problem = $"{HelperName} could not run: {e.Message}";
            return false;
        }
        finally
        {
            try
            {
                FileTree.Delete(scratch);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Under the runtime's root directory, which kubetest gc clears.
            }
        }
    }

    private static string Make(string scratch, string kind, int index) => Directory.CreateDirectory(Path.Combine(scratch, kind, index.ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;

    /// <summary>The mount points of this process's mount namespace, from <c>/proc/self/mountinfo</c>.</summary>
    internal static List<string> HostMounts()
    {
        try
        {
            return File.ReadLines("/proc/self/mountinfo")
                .Select(line => line.Split(' '))
                .Where(fields => fields.Length > 4)
                .Select(fields => ContainerPaths.Normalize(Unescape(fields[4])))
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ["/"];
        }
    }

    /// <summary>The top-level host directories (not links) with no mount at or below them, apart from those each sandbox replaces.</summary>
    internal static List<string> TopLevelDirectories(IReadOnlyList<string> mounts)
    {
        var directories = new List<string>();
        foreach (var directory in new DirectoryInfo("/").EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            var path = "/" + directory.Name;
            // The helper refuses a path that overlay options would misread (',', ':', '\'): such a directory stays read-only.
            if (directory.LinkTarget is not null || Replaced.Contains(path) || path.AsSpan().IndexOfAny(",:\\") >= 0
                || mounts.Any(m => ContainerPaths.IsUnder(m, path)) || !CanList(directory))
            {
                continue;
            }

            directories.Add(path);
        }

        return directories;
    }

    private static bool CanList(DirectoryInfo directory)
    {
        try
        {
            using var entries = directory.EnumerateFileSystemInfos().GetEnumerator();
            entries.MoveNext();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static List<string> Outermost(IEnumerable<string> mounts)
    {
        var sorted = mounts.OrderBy(ContainerPaths.Depth).ThenBy(m => m, StringComparer.Ordinal).ToList();
        return sorted.Where(m => !sorted.Any(other => ContainerPaths.IsStrictlyUnder(m, other))).ToList();
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var builder = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && field.Substring(i + 1, 3).All(c => c is >= '0' and <= '7'))
            {
                builder.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }
}

using System.Diagnostics;
using System.Globalization;

namespace Kubetest.Runtime;

/// <summary>
/// Who a run is: an id for the run, and the process that runs it (host, pid, and the process's
/// start time, so that a pid later reused by another process is not taken for the owner). It is
/// written on everything a run creates (Job labels and annotations, the workspace's owner file), so
/// that <c>kubetest gc</c> and the next run can tell what a dead run left from a live run's objects.
/// </summary>
/// <param name="RunId">Random, a valid label value.</param>
/// <param name="StartTicks">The process's start time as the kernel keeps it (clock ticks since boot on Linux); compared exactly.</param>
/// <param name="StartedAt">The same start time as a wall-clock time, for people.</param>
public sealed record RunOwner(string RunId, string Host, int Pid, long StartTicks, DateTimeOffset StartedAt)
{
    /// <summary>The run of this process, with a fresh run id.</summary>
    public static RunOwner Current()
    {
        var pid = Environment.ProcessId;
        using var self = Process.GetCurrentProcess();
        var startedAt = new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero);
        return new RunOwner(Guid.NewGuid().ToString("N")[..12], Environment.MachineName, pid, StartTicksOf(pid) ?? 0, startedAt);
    }

    public bool IsOnThisHost => string.Equals(Host, Environment.MachineName, StringComparison.Ordinal);

    /// <summary>
    /// True while the owning process still runs on this host: its pid exists and started at the
    /// same moment. Only meaningful when <see cref="IsOnThisHost"/>.
    /// </summary>
    public bool IsAlive() => StartTicksOf(Pid) is { } ticks && ticks == StartTicks;

    /// <summary>
    /// When process <paramref name="pid"/> started, as a number that only that process has: field
    /// 22 of <c>/proc/PID/stat</c> on Linux (the kernel's own value, never recomputed from the
    /// clock), else the start time's ticks to the second. Null when there is no such process.
    /// </summary>
    public static long? StartTicksOf(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        if (Directory.Exists("/proc/self"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            var start = process.StartTime.ToUniversalTime();
            return start.Ticks - (start.Ticks % TimeSpan.TicksPerSecond);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

namespace Kubetest.Emulator;

/// <summary>What tests see of this machine's processes: where a secret must never show.</summary>
public static class ProcessTable
{
    /// <summary>The command line of every process now (arguments joined by spaces); processes that end meanwhile are skipped.</summary>
    public static List<string> CommandLines()
    {
        var lines = new List<string>();
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out _))
            {
                continue;
            }

            try
            {
                var line = File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' ');
                if (line.Length > 0)
                {
                    lines.Add(line);
                }
            }
            catch (IOException)
            {
                // The process ended between listing and reading.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return lines;
    }
}

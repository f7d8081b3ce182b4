namespace Kubetest.Cli.Controller;

/// <summary>Events never hold a run up or fail it: one that cannot be recorded is a line in the log (once per reason).</summary>
internal static class Events
{
    public static async Task RecordAsync(TestJobClient api, TestJobObject resource, string type, string reason, string message, ControllerLog log)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await api.RecordAsync(resource, type, reason, message, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var why = TestJobClient.IsForbidden(ex) ? "the controller needs create on events; the runs go on without them" : "the runs go on without them";
            log.Once(LogLevel.Warn, $"cannot record Events on TestJobs in namespace {resource.Namespace}: {TestJobClient.Describe(ex)} ({why})");
        }
    }
}

/// <summary>The run id of a TestJob's run, stamped on its Jobs: derived from the resource's uid, so that the controller that finds the run orphaned (after a restart) can find its Jobs.</summary>
internal static class RunIds
{
    public static string For(TestJobObject resource)
    {
        var hex = new string([.. resource.Uid.Where(char.IsAsciiHexDigit).Select(char.ToLowerInvariant)]);
        return hex.Length >= 12 ? "tj" + hex[..12] : "tj" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(resource.Key + "\n" + resource.Uid)))[..12];
    }
}

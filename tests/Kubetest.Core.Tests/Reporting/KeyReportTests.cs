using System.Text.Json;
using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Reporting;

/// <summary>The report's added key fields (elapsedSeconds, flaky, flakyNum) and the console's closing summary.</summary>
public sealed class KeyReportTests : IDisposable
{
    private static readonly Dictionary<string, string> NoExt = [];
    private readonly string _spool = Directory.CreateTempSubdirectory("kubetest-summary-").FullName;

    public void Dispose() => Directory.Delete(_spool, recursive: true);

    [Fact]
    public void A_detail_has_its_fractional_seconds_to_the_millisecond_beside_the_whole_seconds()
    {
        var json = Json([new ReportDetail("k", KeyStatus.Success, 1, 1, 1.23456)]);

        var detail = json.RootElement.GetProperty("details")[0];
        Assert.Equal(1.235, detail.GetProperty("elapsedSeconds").GetDouble());
        Assert.Equal(1, detail.GetProperty("elapsedTimeSec").GetInt64());
    }

    [Fact]
    public void Flaky_and_flakyNum_are_written_only_when_a_key_was_flaky()
    {
        var plain = Json([new ReportDetail("k", KeyStatus.Success, 0, 1, 0.1)]);
        var flaky = Json([new ReportDetail("k", KeyStatus.Success, 0, 2, 0.1, Flaky: true), new ReportDetail("j", KeyStatus.Success, 0, 1, 0.1)]);

        Assert.False(plain.RootElement.TryGetProperty("flakyNum", out _));
        Assert.False(plain.RootElement.GetProperty("details")[0].TryGetProperty("flaky", out _));
        Assert.Equal(1, flaky.RootElement.GetProperty("flakyNum").GetInt32());
        Assert.Equal(2, flaky.RootElement.GetProperty("successNum").GetInt32());
        Assert.True(flaky.RootElement.GetProperty("details")[0].GetProperty("flaky").GetBoolean());
    }

    [Fact]
    public void The_closing_summary_counts_the_keys_names_the_failed_and_flaky_ones_escaped_and_says_how_many_never_started()
    {
        var console = new StringWriter();
        var reporter = new TextReporter(console, LogLevel.Info, live: false, _spool);
        var report = Report.Build(
            DateTimeOffset.UnixEpoch,
            TimeSpan.FromSeconds(3),
            [
                new ReportDetail("ok", KeyStatus.Success, 0),
                new ReportDetail("bad\n[INFO] forged", KeyStatus.Failure, 0),
                new ReportDetail("wobbly", KeyStatus.Success, 0, 2, 0.5, Flaky: true),
                new ReportDetail("never", KeyStatus.Unknown, 0, 0),
            ],
            NoExt,
            stepsFailed: false);

        reporter.On(new RunFinished(report));

        var lines = console.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "[WARN] summary: 4 keys: 2 succeeded (1 flaky), 1 failed, 1 unknown (1 skipped: never started)",
                "[ERROR] failed keys (1): bad\\n[INFO] forged",
                "[WARN] flaky keys (failed, then passed on a rerun) (1): wobbly",
            ],
            lines);
    }

    [Fact]
    public void A_run_where_everything_passed_sums_up_in_one_info_line()
    {
        var console = new StringWriter();
        var reporter = new TextReporter(console, LogLevel.Info, live: false, _spool);

        reporter.On(new RunFinished(Report.Build(DateTimeOffset.UnixEpoch, TimeSpan.Zero, [new ReportDetail("ok", KeyStatus.Success, 0)], NoExt, false)));

        Assert.Equal("[INFO] summary: 1 keys: 1 succeeded, 0 failed, 0 unknown" + Environment.NewLine, console.ToString());
    }

    private static JsonDocument Json(IReadOnlyList<ReportDetail> details) =>
        JsonDocument.Parse(Report.Build(DateTimeOffset.UnixEpoch, TimeSpan.Zero, details, NoExt, false).ToJson());
}

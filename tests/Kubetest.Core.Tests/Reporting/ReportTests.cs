using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Reporting;

/// <summary>The report JSON byte for byte as the original prints it, and its status rules.</summary>
public class ReportTests
{
    private static readonly DateTimeOffset StartedAt = new DateTimeOffset(2021, 10, 5, 16, 36, 7, TimeSpan.FromHours(9)).AddTicks(8933396);

    private static readonly Dictionary<string, string> NoExt = [];

    [Fact]
    public void A_small_report_is_alphabetical_two_space_indented_and_in_utc_with_fractional_seconds()
    {
        var report = Report.Build(
            StartedAt,
            TimeSpan.FromSeconds(10.7),
            [new ReportDetail("TASK_KEY_1", KeyStatus.Success, 0), new ReportDetail("TASK_KEY_2", KeyStatus.Failure, 3, Attempts: 2)],
            NoExt,
            stepsFailed: false);

        Assert.Equal(
            """
            {
              "details": [
                {
                  "attempts": 1,
                  "elapsedTimeSec": 0,
                  "name": "TASK_KEY_1",
                  "status": "success"
                },
                {
                  "attempts": 2,
                  "elapsedTimeSec": 3,
                  "name": "TASK_KEY_2",
                  "status": "failure"
                }
              ],
              "elapsedTimeSec": 10,
              "failureNum": 1,
              "startedAt": "2021-10-05T07:36:07.8933396Z",
              "status": "failure",
              "successNum": 1,
              "totalNum": 2
            }
            """.ReplaceLineEndings("\n"),
            report.ToJson().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Ext_appears_between_elapsedTimeSec_and_failureNum_with_sorted_keys_only_when_not_empty()
    {
        var ext = new Dictionary<string, string> { ["pipeline"] = "nightly", ["branch"] = "main" };

        var json = Report.Build(StartedAt, TimeSpan.Zero, [], ext, stepsFailed: false).ToJson().ReplaceLineEndings("\n");

        Assert.Contains(
            """
              "elapsedTimeSec": 0,
              "ext": {
                "branch": "main",
                "pipeline": "nightly"
              },
              "failureNum": 0,
            """.ReplaceLineEndings("\n"),
            json,
            StringComparison.Ordinal);
        Assert.DoesNotContain("\"ext\"", Report.Build(StartedAt, TimeSpan.Zero, [], NoExt, false).ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownNum_is_the_last_field_and_only_present_when_some_key_has_no_result()
    {
        var withUnknown = Report.Build(StartedAt, TimeSpan.Zero, [new ReportDetail("k", KeyStatus.Unknown, 0)], NoExt, false).ToJson();
        var without = Report.Build(StartedAt, TimeSpan.Zero, [new ReportDetail("k", KeyStatus.Success, 0)], NoExt, false).ToJson();

        Assert.EndsWith("\"totalNum\": 1,\n  \"unknownNum\": 1\n}", withUnknown.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("unknownNum", without, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "2021-10-05T07:36:07Z")]
    [InlineData(5_000_000, "2021-10-05T07:36:07.5Z")]
    [InlineData(1, "2021-10-05T07:36:07.0000001Z")]
    public void StartedAt_drops_trailing_zeros_of_the_fraction_like_RFC3339Nano(long ticks, string expected)
    {
        var at = new DateTimeOffset(2021, 10, 5, 7, 36, 7, TimeSpan.Zero).AddTicks(ticks);

        var json = Report.Build(at, TimeSpan.Zero, [], NoExt, false).ToJson();

        Assert.Contains($"\"startedAt\": \"{expected}\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_key_succeeding_is_success()
    {
        var report = Report.Build(StartedAt, TimeSpan.Zero, [new("a", KeyStatus.Success, 1), new("b", KeyStatus.Success, 2)], NoExt, false);

        Assert.Equal(("success", 2, 2, 0, 0), (report.Status, report.TotalNum, report.SuccessNum, report.FailureNum, report.UnknownNum));
        Assert.True(report.Succeeded);
    }

    [Theory]
    [InlineData(KeyStatus.Failure, 1, 0)]
    [InlineData(KeyStatus.Error, 1, 0)]
    [InlineData(KeyStatus.Unknown, 0, 1)]
    public void One_key_without_success_makes_the_run_a_failure(KeyStatus status, int failures, int unknowns)
    {
        var report = Report.Build(StartedAt, TimeSpan.Zero, [new("a", KeyStatus.Success, 1), new("b", status, 2)], NoExt, false);

        Assert.Equal(("failure", 2, 1, failures, unknowns), (report.Status, report.TotalNum, report.SuccessNum, report.FailureNum, report.UnknownNum));
        Assert.False(report.Succeeded);
    }

    [Fact]
    public void A_failed_step_makes_the_run_a_failure_even_when_every_key_succeeded()
    {
        var report = Report.Build(StartedAt, TimeSpan.Zero, [new("a", KeyStatus.Success, 1)], NoExt, stepsFailed: true);

        Assert.Equal("failure", report.Status);
    }

    [Fact]
    public void Elapsed_seconds_are_truncated_like_the_original()
    {
        var report = Report.Build(StartedAt, TimeSpan.FromSeconds(24.99), [], NoExt, false);

        Assert.Equal(24, report.ElapsedTimeSec);
    }

    [Fact]
    public void Key_names_are_written_as_go_writes_them()
    {
        var report = Report.Build(StartedAt, TimeSpan.Zero, [new("it's a+b <c> & テスト", KeyStatus.Success, 0)], NoExt, false);

        Assert.Contains("\"name\": \"it's a+b \\u003cc\\u003e \\u0026 テスト\"", report.ToJson(), StringComparison.Ordinal);
    }
}

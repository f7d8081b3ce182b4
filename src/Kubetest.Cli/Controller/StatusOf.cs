using k8s.Models;

namespace Kubetest.Cli.Controller;

/// <summary>The status the controller writes in each phase, with one condition per phase change (type Running, Succeeded or Failed… as the phase).</summary>
internal static class StatusOf
{
    public static TestJobStatus Pending(TestJobObject resource, string message) => new()
    {
        Phase = TestJobPhase.Pending,
        Message = Line(message),
        ObservedGeneration = resource.Generation,
        Conditions = [Condition("Running", "False", "Waiting", message)],
    };

    public static TestJobStatus Running(TestJobObject resource, DateTimeOffset startedAt) => new()
    {
        Phase = TestJobPhase.Running,
        StartTime = startedAt,
        Message = $"run {RunIds.For(resource)} started",
        ObservedGeneration = resource.Generation,
        Conditions = [Condition("Running", "True", "Started", $"run {RunIds.For(resource)} started")],
    };

    /// <summary>Error: the run could not be made, or was lost; with what is known of it.</summary>
    public static TestJobStatus Error(TestJobObject resource, string message, DateTimeOffset? startedAt, Report? report = null, string? reportConfigMap = null, DateTimeOffset? finishedAt = null) =>
        WithReport(
            new TestJobStatus
            {
                Phase = TestJobPhase.Error,
                StartTime = startedAt,
                CompletionTime = finishedAt ?? DateTimeOffset.UtcNow,
                Message = Line(message),
                ObservedGeneration = resource.Generation,
                ReportConfigMap = reportConfigMap,
                Conditions = [Condition("Running", "False", "Error", message), Condition("Succeeded", "False", "Error", message)],
            },
            report);

    public static TestJobStatus Finished(TestJobObject resource, RunOutcome outcome, DateTimeOffset startedAt, DateTimeOffset finishedAt, string? reportConfigMap, string? reportProblem)
    {
        var report = outcome.Report;
        var phase = outcome.BadInput ? TestJobPhase.Error : report.Succeeded && !outcome.LeftBehind ? TestJobPhase.Succeeded : TestJobPhase.Failed;
        var summary = outcome.BadInput ? "the run's keys were unusable (see the controller's log)"
            : report.TotalNum == 0 ? (report.Succeeded ? "the run succeeded" : "a step of the run failed")
            : report.FailureNum + report.UnknownNum == 0 ? $"{report.SuccessNum} of {report.TotalNum} keys passed" + (report.Succeeded ? string.Empty : "; a step of the run failed")
            : $"{report.FailureNum + report.UnknownNum} of {report.TotalNum} keys did not pass";
        if (phase != TestJobPhase.Succeeded && outcome.FirstProblem is { } problem)
        {
            summary += "; first problem: " + problem;
        }
        else if (outcome.FirstWarning is { } warning)
        {
            // A run that went on past a problem (a timing store it may not use, a Job it could not delete) says so.
            summary += "; first warning: " + warning;
        }

        if (outcome.LeftBehind)
        {
            summary += "; some of its Jobs could not be deleted (run kubetest gc)";
        }

        if (reportProblem is not null)
        {
            summary += "; " + reportProblem;
        }

        var reason = phase.ToString();
        return WithReport(
            new TestJobStatus
            {
                Phase = phase,
                StartTime = startedAt,
                CompletionTime = finishedAt,
                Message = Line(summary),
                ObservedGeneration = resource.Generation,
                ReportConfigMap = reportConfigMap,
                Conditions = [Condition("Running", "False", reason, summary), Condition("Succeeded", phase == TestJobPhase.Succeeded ? "True" : "False", reason, summary)],
            },
            report);
    }

    private static TestJobStatus WithReport(TestJobStatus status, Report? report) => report is null ? status : status with
    {
        TotalNum = report.TotalNum,
        SuccessNum = report.SuccessNum,
        FailureNum = report.FailureNum,
        FlakyNum = report.FlakyNum,
        FailedKeys = [.. report.Details.Where(d => d.Status is not KeyStatus.Success).Select(d => d.Name).Take(TestJobStatus.MaxListedKeys)],
        FlakyKeys = [.. report.Details.Where(d => d.Flaky).Select(d => d.Name).Take(TestJobStatus.MaxListedKeys)],
    };

    /// <summary>A message as one bounded line: a condition's message is bounded by the API server (32 KiB), and a run's problem may quote what it was given.</summary>
    private static string Line(string message) => message.Length <= 1000 ? message : message[..999] + "…";

    private static V1Condition Condition(string type, string status, string reason, string message) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = Line(message),
        LastTransitionTime = DateTime.UtcNow,
    };
}

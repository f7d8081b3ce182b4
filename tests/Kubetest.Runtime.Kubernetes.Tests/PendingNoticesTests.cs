using k8s.Models;
using Kubetest.Reporting;
using Microsoft.Extensions.Time.Testing;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>
/// The <c>[INFO]</c> lines that name Pending pods, on a clock the test moves: when the first one
/// comes, how often the next ones do, and that a pod which starts in time is never named.
/// </summary>
public sealed class PendingNoticesTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstAfter = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly Lines _lines = new();

    [Fact]
    public void A_pod_that_leaves_pending_before_the_first_notice_is_never_named()
    {
        using var notices = Notices(TimeSpan.FromMinutes(10));
        using var attach = notices.ReportTo(_lines);
        var waiting = notices.Track("job-a");
        _time.Advance(TimeSpan.FromSeconds(4));
        waiting.Dispose();
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Empty(_lines.Messages);
    }

    [Fact]
    public void The_first_notice_comes_after_five_seconds_then_one_every_thirty_seconds_with_the_time_left()
    {
        using var notices = Notices(TimeSpan.FromMinutes(10));
        using var attach = notices.ReportTo(_lines);
        using var waiting = notices.Track("job-a");
        waiting.Update(Pending("job-a-xyz", "ImagePullBackOff"));

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(_lines.Messages);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(
            ["waiting for 1 Pending pod (each given up after --pending-timeout 10m): job-a-xyz (ImagePullBackOff in container test), 9m55s left"],
            _lines.Messages);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Single(_lines.Messages);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _lines.Messages.Count);
        Assert.EndsWith("job-a-xyz (ImagePullBackOff in container test), 9m25s left", _lines.Messages[1], StringComparison.Ordinal);
    }

    [Fact]
    public void One_line_names_every_pod_pending_long_enough_and_the_lines_stop_when_none_is()
    {
        using var notices = Notices(TimeSpan.FromMinutes(10));
        using var attach = notices.ReportTo(_lines);
        var first = notices.Track("job-a");
        first.Update(Pending("job-a-1", "ImagePullBackOff"));
        _time.Advance(TimeSpan.FromSeconds(10));
        var second = notices.Track("job-b");

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, _lines.Messages.Count);
        Assert.StartsWith("waiting for 2 Pending pods", _lines.Messages[1], StringComparison.Ordinal);
        Assert.Contains("job-a-1 (ImagePullBackOff in container test), 9m20s left; job job-b (no pod yet), 9m30s left", _lines.Messages[1], StringComparison.Ordinal);

        first.Dispose();
        second.Dispose();
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, _lines.Messages.Count);
    }

    [Fact]
    public void A_short_pending_timeout_still_gets_its_notice_before_it_gives_up()
    {
        using var notices = Notices(TimeSpan.FromSeconds(6));
        using var attach = notices.ReportTo(_lines);
        using var waiting = notices.Track("job-a");

        _time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(["waiting for 1 Pending pod (each given up after --pending-timeout 6s): job job-a (no pod yet), 3s left"], _lines.Messages);
    }

    [Fact]
    public void After_the_run_detaches_no_line_reaches_it()
    {
        using var notices = Notices(TimeSpan.FromMinutes(10));
        var attach = notices.ReportTo(_lines);
        using var waiting = notices.Track("job-a");
        attach.Dispose();

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Empty(_lines.Messages);
    }

    private PendingNotices Notices(TimeSpan pendingTimeout) => new(_time, pendingTimeout, Interval, FirstAfter);

    private static V1Pod Pending(string name, string reason) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Status = new V1PodStatus
        {
            Phase = "Pending",
            ContainerStatuses = [new V1ContainerStatus { Name = "test", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason } } }],
        },
    };

    /// <summary>The info lines the notices sent, in order.</summary>
    private sealed class Lines : IRunObserver
    {
        private readonly List<string> _messages = [];

        public List<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public void On(RunEvent runEvent)
        {
            if (runEvent is LogEvent { Level: LogLevel.Info } log)
            {
                lock (_messages)
                {
                    _messages.Add(log.Message);
                }
            }
        }
    }
}

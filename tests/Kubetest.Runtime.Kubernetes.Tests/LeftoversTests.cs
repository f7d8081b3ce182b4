using k8s.Models;
using Kubetest.Runtime;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>Which Jobs <c>kubetest gc</c> takes: never a live run's, a dead local run's always, another host's by deadline or age.</summary>
public class LeftoversTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_job_of_a_live_kubetest_on_this_host_stays_even_when_old_and_past_its_deadline()
    {
        var (gone, why) = Leftovers.Judge(Metadata(RunOwner.Current(), Now.AddDays(-3)), 60, Now.AddDays(-3).UtcDateTime, TimeSpan.FromHours(1), Now);

        Assert.False(gone);
        Assert.Contains("is running", why, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_of_a_kubetest_on_this_host_that_is_gone_goes_at_once()
    {
        var owner = RunOwner.Current() with { StartTicks = RunOwner.Current().StartTicks + 7 };

        var (gone, why) = Leftovers.Judge(Metadata(owner, Now.AddSeconds(-5)), 21600, Now.AddSeconds(-5).UtcDateTime, null, Now);

        Assert.True(gone);
        Assert.Contains("is gone", why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7200, null, false)]
    [InlineData(1800, null, true)]
    [InlineData(7200, 30, true)]
    [InlineData(7200, 90, false)]
    public void A_job_of_another_host_goes_once_its_deadline_has_passed_or_it_is_older_than_asked(long deadlineSeconds, int? olderThanMinutes, bool expected)
    {
        var owner = new RunOwner("other", "another-host-" + Guid.NewGuid(), 1, 1, Now.AddHours(-1));
        var started = Now.AddHours(-1);

        var (gone, _) = Leftovers.Judge(Metadata(owner, started), deadlineSeconds, started.UtcDateTime, olderThanMinutes is { } m ? TimeSpan.FromMinutes(m) : null, Now);

        Assert.Equal(expected, gone);
    }

    [Fact]
    public void A_job_without_owner_annotations_goes_only_with_older_than()
    {
        var metadata = new V1ObjectMeta { Name = "old", CreationTimestamp = Now.AddDays(-2).UtcDateTime, Labels = new Dictionary<string, string> { [JobLifecycle.TestJobLabel] = "true" } };

        Assert.False(Leftovers.Judge(metadata, null, null, null, Now).Gone);
        Assert.True(Leftovers.Judge(metadata, null, null, TimeSpan.FromDays(1), Now).Gone);
    }

    private static V1ObjectMeta Metadata(RunOwner owner, DateTimeOffset created)
    {
        var metadata = new V1ObjectMeta { Name = "job", CreationTimestamp = created.UtcDateTime };
        JobLifecycle.For(owner, TimeSpan.FromHours(6)).Stamp(metadata);
        return metadata;
    }
}

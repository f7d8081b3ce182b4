using System.Globalization;
using k8s.Models;

namespace Kubetest.Runtime;

/// <summary>
/// What makes a run's Jobs end and go away without kubetest: the owner's label and annotations
/// (for <c>kubetest gc</c>), a deadline (<c>activeDeadlineSeconds</c>, also the held containers'
/// wait) and a <c>ttlSecondsAfterFinished</c> when the manifest gives none.
/// </summary>
public sealed record JobLifecycle(RunOwner Owner, TimeSpan MaxRunTime, int DefaultTtlSeconds)
{
    public const string RunLabel = "kubetest.io/run";
    public const string TestJobLabel = "kubetest.io/testjob";
    public const string HostAnnotation = "kubetest.io/owner-host";
    public const string PidAnnotation = "kubetest.io/owner-pid";
    public const string StartedAtAnnotation = "kubetest.io/owner-started-at";
    public const string StartTicksAnnotation = "kubetest.io/owner-start-ticks";

    /// <summary>Six hours: longer than any sane CI job, short enough that a forgotten pod does not idle for days.</summary>
    public static readonly TimeSpan DefaultMaxRunTime = TimeSpan.FromHours(6);

    /// <summary>An hour to look at a Job that ended by its deadline before the cluster removes it.</summary>
    public const int DefaultTtl = 3600;

    public static JobLifecycle For(RunOwner owner, TimeSpan maxRunTime) => new(owner, maxRunTime, DefaultTtl);

    public long DeadlineSeconds => Math.Max(1, (long)Math.Ceiling(MaxRunTime.TotalSeconds));

    /// <summary>The owner's labels and annotations, added to <paramref name="metadata"/>.</summary>
    public void Stamp(V1ObjectMeta metadata)
    {
        metadata.Labels = new Dictionary<string, string>(metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [TestJobLabel] = "true",
            [RunLabel] = Owner.RunId,
        };
        metadata.Annotations = new Dictionary<string, string>(metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [HostAnnotation] = Owner.Host,
            [PidAnnotation] = Owner.Pid.ToString(CultureInfo.InvariantCulture),
            [StartedAtAnnotation] = Owner.StartedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            [StartTicksAnnotation] = Owner.StartTicks.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The owner written by <see cref="Stamp"/>, or null when the object has none (made by another tool or an older kubetest).</summary>
    public static RunOwner? OwnerOf(V1ObjectMeta metadata)
    {
        var labels = metadata.Labels ?? new Dictionary<string, string>();
        var annotations = metadata.Annotations ?? new Dictionary<string, string>();
        if (labels.TryGetValue(RunLabel, out var runId)
            && annotations.TryGetValue(HostAnnotation, out var host)
            && annotations.TryGetValue(PidAnnotation, out var pidText) && int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && annotations.TryGetValue(StartTicksAnnotation, out var ticksText) && long.TryParse(ticksText, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
        {
            var startedAt = annotations.TryGetValue(StartedAtAnnotation, out var at) && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : DateTimeOffset.MinValue;
            return new RunOwner(runId, host, pid, ticks, startedAt);
        }

        return null;
    }
}

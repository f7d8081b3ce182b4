using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Kubetest.Reporting;

/// <summary>Where a TestJob resource's run is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TestJobPhase>))]
public enum TestJobPhase
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Error,
}

/// <summary>
/// The <c>status</c> of a TestJob resource, the run's outcome in brief beside the full <see cref="Report"/>: declared
/// once here, the CRD's status schema is exported from it (<see cref="Model.TestJobCrd"/>). Every field is optional, as
/// a status is written a part at a time; null fields are left out.
/// </summary>
public sealed record TestJobStatus
{
    /// <summary>The most keys listed in <see cref="FailedKeys"/> or <see cref="FlakyKeys"/>: the whole list is in the report.</summary>
    public const int MaxListedKeys = 100;

    [Description("Pending (waiting for a free run), Running, Succeeded, Failed (a key or step failed), or Error (the run could not be made).")]
    public TestJobPhase? Phase { get; init; }

    [Description("When the run started.")]
    public DateTimeOffset? StartTime { get; init; }

    [Description("When the run finished.")]
    public DateTimeOffset? CompletionTime { get; init; }

    [Description("The run's keys.")]
    public int? TotalNum { get; init; }

    [Description("The keys that passed.")]
    public int? SuccessNum { get; init; }

    [Description("The keys that failed.")]
    public int? FailureNum { get; init; }

    [Description("The keys that failed and then passed on a rerun.")]
    public int? FlakyNum { get; init; }

    [Description("The first failed keys; the report holds them all.")]
    [MaxItems(MaxListedKeys)]
    public IReadOnlyList<string>? FailedKeys { get; init; }

    [Description("The first flaky keys; the report holds them all.")]
    [MaxItems(MaxListedKeys)]
    public IReadOnlyList<string>? FlakyKeys { get; init; }

    [Description("The ConfigMap holding the run's JSON report and JUnit XML.")]
    public string? ReportConfigMap { get; init; }

    [Description("Why the run is in its phase, for people.")]
    public string? Message { get; init; }

    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; init; }

    [Description("The latest observations of the run's state.")]
    [ListMapKeys("type")]
    public IReadOnlyList<V1Condition>? Conditions { get; init; }
}

/// <summary>The most items a list of the status may hold (<c>maxItems</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxItemsAttribute(int count) : Attribute
{
    public int Count => count;
}

/// <summary>A list whose items are merged by these fields (<c>x-kubernetes-list-type: map</c>), as conditions are by type.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapKeysAttribute(params string[] keys) : Attribute
{
    public IReadOnlyList<string> Keys => keys;
}

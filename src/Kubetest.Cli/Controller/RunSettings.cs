using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Cli.Controller;

/// <summary>
/// What the CLI takes on its command line, for a TestJob resource: read from its annotations
/// (<c>kubetest.io/key-timeout: 5m</c>, <c>template.kubetest.io/NAME: value</c>, …), each checked as the option is.
/// </summary>
internal sealed record RunSettings(
    IReadOnlyDictionary<string, string> Templates,
    TimeSpan? KeyTimeout,
    bool FailFast,
    TimeSpan MaxRunTime,
    TimeSpan PendingTimeout,
    bool TimingStore,
    LogLevel LogLevel,
    bool AllowEmpty)
{
    public const string Prefix = "kubetest.io/";
    public const string TemplatePrefix = "template.kubetest.io/";
    public const string KeyTimeoutName = Prefix + "key-timeout";
    public const string FailFastName = Prefix + "fail-fast";
    public const string MaxRunTimeName = Prefix + "max-run-time";
    public const string PendingTimeoutName = Prefix + "pending-timeout";
    public const string TimingsStoreName = Prefix + "timings-store";
    public const string LogLevelName = Prefix + "log-level";
    public const string AllowEmptyName = Prefix + "allow-empty";

    /// <summary>Every annotation of <see cref="Prefix"/> the controller reads; another one is a mistake, said as one.</summary>
    public static IReadOnlyList<string> Names { get; } = [KeyTimeoutName, FailFastName, MaxRunTimeName, PendingTimeoutName, TimingsStoreName, LogLevelName, AllowEmptyName];

    /// <summary>The settings of <paramref name="annotations"/>; a value the CLI would refuse throws <see cref="UserInputException"/> naming the annotation.</summary>
    public static RunSettings Read(IReadOnlyDictionary<string, string> annotations)
    {
        var unknown = annotations.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal) && !Names.Contains(k, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new UserInputException($"annotation {Model.Printable.Escape(unknown[0])} is not one kubetest reads; the controller reads {string.Join(", ", Names)} and {TemplatePrefix}NAME");
        }

        var templates = annotations
            .Where(a => a.Key.StartsWith(TemplatePrefix, StringComparison.Ordinal) && a.Key.Length > TemplatePrefix.Length)
            .ToDictionary(a => a.Key[TemplatePrefix.Length..], a => a.Value, StringComparer.Ordinal);
        var store = Value(annotations, TimingsStoreName) ?? TimingStoreChoice.ClusterValue;
        if (store is not (TimingStoreChoice.ClusterValue or TimingStoreChoice.NoneValue))
        {
            throw new UserInputException($"annotation {TimingsStoreName}: expected cluster or none, got \"{Model.Printable.Escape(store)}\" (a controller's run keeps its timings in the cluster)");
        }

        var level = Value(annotations, LogLevelName);
        return new RunSettings(
            templates,
            Duration(annotations, KeyTimeoutName) is { } limit ? Model.GoDuration.WholeSecondsUp(limit) : null,
            Flag(annotations, FailFastName),
            Duration(annotations, MaxRunTimeName) ?? JobLifecycle.DefaultMaxRunTime,
            Duration(annotations, PendingTimeoutName) ?? KubernetesRuntimeOptions.DefaultPendingTimeout,
            store == TimingStoreChoice.ClusterValue,
            level is null ? LogLevel.Info : CliOptions.ParseLevel(level) ?? throw new UserInputException($"annotation {LogLevelName}: expected debug, info, warn or error, got \"{Model.Printable.Escape(level)}\""),
            Flag(annotations, AllowEmptyName));
    }

    private static string? Value(IReadOnlyDictionary<string, string> annotations, string name) =>
        annotations.TryGetValue(name, out var value) ? value.Trim() : null;

    private static TimeSpan? Duration(IReadOnlyDictionary<string, string> annotations, string name)
    {
        if (Value(annotations, name) is not { } text)
        {
            return null;
        }

        return Model.GoDuration.TryParse(text, out var duration) && duration > TimeSpan.Zero && duration <= Model.GoDuration.MaxTimerDelay
            ? duration
            : throw new UserInputException($"annotation {name}: {Model.GoDuration.Expected(text)}");
    }

    private static bool Flag(IReadOnlyDictionary<string, string> annotations, string name) => Value(annotations, name) switch
    {
        null => false,
        var text when bool.TryParse(text, out var value) => value,
        var text => throw new UserInputException($"annotation {name}: expected true or false, got \"{Model.Printable.Escape(text)}\""),
    };

    /// <summary>The engine's options for these settings.</summary>
    public RunOptions ToRunOptions(IReadOnlyDictionary<string, double>? durations) => new(
        Durations: durations,
        AllowEmpty: AllowEmpty,
        LogLevel: LogLevel,
        KeyTimeout: KeyTimeout,
        FailFast: FailFast,
        IgnoreHostPathsBecause: HostPathsReason);

    /// <summary>Why a controller's run uses none of the manifest's paths on the machine running kubetest.</summary>
    public const string HostPathsReason = "a TestJob the controller runs reads and writes nothing on the controller's filesystem";
}

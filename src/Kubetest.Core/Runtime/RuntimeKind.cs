namespace Kubetest.Runtime;

/// <summary>Where a run's pods run, chosen once from <c>--runtime</c>.</summary>
public enum RuntimeKind
{
    /// <summary>The cluster of the kubeconfig.</summary>
    Kubernetes,

    /// <summary>Processes on this machine, each container a bwrap sandbox where it works.</summary>
    Local,
}

/// <summary>The one place where a runtime kind and its name (<c>--runtime</c>'s values, log lines) meet.</summary>
public static class RuntimeKinds
{
    /// <summary>The names <c>--runtime</c> accepts, in the order its help lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [RuntimeKind.Local.Name(), RuntimeKind.Kubernetes.Name()];

    public static string Name(this RuntimeKind kind) => kind switch
    {
        RuntimeKind.Kubernetes => "kubernetes",
        RuntimeKind.Local => "local",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a runtime kind"),
    };

    /// <summary>The kind called <paramref name="name"/> exactly (the option parser has already refused any other).</summary>
    public static RuntimeKind Parse(string name) =>
        Enum.GetValues<RuntimeKind>().Where(k => k.Name() == name).Select(k => (RuntimeKind?)k).FirstOrDefault()
            ?? throw new ArgumentException($"unknown runtime \"{name}\"; accepted: {string.Join(", ", Names)}", nameof(name));
}

namespace Kubetest.Reporting;

/// <summary>Which tasks are the report's keys: the main step's keys, not preSteps, postSteps, finalizers or the dynamic key listing.</summary>
internal static class KeyTasks
{
    /// <summary>A strategy key (its TaskStarted names it) or the one run of a main step without strategy (its container is the report's key).</summary>
    public static string? KeyOf(TaskId task, string? key) => task.Step switch
    {
        KeysStep when key is not null => key,
        PodStep { Kind: StepKind.Main } => task.Container,
        _ => null,
    };
}

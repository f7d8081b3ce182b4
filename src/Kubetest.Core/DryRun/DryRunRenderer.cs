using System.Text;
using k8s;
using k8s.Models;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Runtime;

namespace Kubetest.DryRun;

/// <summary>
/// <c>--dry-run</c>: the batch/v1 Jobs that a run would create, one per pod, as a YAML stream.
/// Nothing runs and nothing is created.
/// </summary>
public static class DryRunRenderer
{
    public static string Render(TestJob job, RunOptions options, string @namespace, JobLifecycle lifecycle)
    {
        // Files placed into containers are not part of the Kubernetes objects, so their local paths don't matter here.
        var builder = new PodRequestBuilder(job.Metadata.Name ?? "testjob", source => $"/{source.GetType().Name}");
        var text = new StringBuilder();
        foreach (var step in job.Spec.PreSteps)
        {
            Append(text, $"preStep {step.Name}", KubernetesJob.Create(builder.ForStep(step.Template, step.TtlSecondsAfterFinished), @namespace, lifecycle));
        }

        var main = job.Spec.MainStep;
        if (main.Strategy is not { } strategy)
        {
            Append(text, "mainStep", KubernetesJob.Create(builder.ForStep(main.Template, main.TtlSecondsAfterFinished), @namespace, lifecycle));
        }
        else if (options.ListKeys is null && strategy.Key.Source.Dynamic is { } dynamic)
        {
            Append(text, "dynamic keys", KubernetesJob.Create(builder.ForStep(dynamic.Template, dynamic.TtlSecondsAfterFinished), @namespace, lifecycle));
            text.Append("# mainStep: its Jobs depend on the keys that the command above prints, so they are made at run time.\n");
        }
        else
        {
            var keys = options.ListKeys ?? strategy.Key.Source.Static ?? [];
            foreach (var pod in Planner.Plan(keys, strategy.Scheduler, options.Durations))
            {
                Append(text, $"mainStep pod {pod.PodIndex}: {pod.Keys.Count} keys, at most {pod.MaxConcurrent} at once", KubernetesJob.Create(builder.ForKeys(main.Template, strategy.Key.Env, pod, main.TtlSecondsAfterFinished), @namespace, lifecycle));
            }
        }

        foreach (var step in job.Spec.PostSteps)
        {
            Append(text, $"postStep {step.Name}", KubernetesJob.Create(builder.ForStep(step.Template, step.TtlSecondsAfterFinished), @namespace, lifecycle));
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, string comment, V1Job job)
    {
        text.Append("---\n# ").Append(comment).Append('\n').Append(KubernetesYaml.Serialize(job).TrimEnd('\n')).Append('\n');
    }
}

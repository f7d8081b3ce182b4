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
    public static string Render(TestJob job, RunOptions options, string @namespace)
    {
        // Files placed into containers are not part of the Kubernetes objects, so their local paths don't matter here.
        var builder = new PodRequestBuilder(job.Metadata.Name ?? "testjob", source => $"/{source.GetType().Name}");
        var text = new StringBuilder();
        foreach (var step in job.Spec.PreSteps)
        {
            Append(text, $"preStep {step.Name}", ToJob(builder.ForStep(step.Template, step.TtlSecondsAfterFinished), @namespace));
        }

        var main = job.Spec.MainStep;
        if (main.Strategy is not { } strategy)
        {
            Append(text, "mainStep", ToJob(builder.ForStep(main.Template, main.TtlSecondsAfterFinished), @namespace));
        }
        else if (options.ListKeys is null && strategy.Key.Source.Dynamic is { } dynamic)
        {
            Append(text, "dynamic keys", ToJob(builder.ForStep(dynamic.Template, dynamic.TtlSecondsAfterFinished), @namespace));
            text.Append("# mainStep: its Jobs depend on the keys that the command above prints, so they are made at run time.\n");
        }
        else
        {
            var keys = options.ListKeys ?? strategy.Key.Source.Static ?? [];
            foreach (var pod in Planner.Plan(keys, strategy.Scheduler, options.Durations))
            {
                Append(text, $"mainStep pod {pod.PodIndex}: {pod.Keys.Count} keys, at most {pod.MaxConcurrent} at once", ToJob(builder.ForKeys(main.Template, strategy.Key.Env, pod, main.TtlSecondsAfterFinished), @namespace));
            }
        }

        foreach (var step in job.Spec.PostSteps)
        {
            Append(text, $"postStep {step.Name}", ToJob(builder.ForStep(step.Template, step.TtlSecondsAfterFinished), @namespace));
        }

        return text.ToString();
    }

    /// <summary>The Job that holds one pod of the run: it never retries, the pod never restarts.</summary>
    public static V1Job ToJob(PodRequest request, string @namespace) => new()
    {
        ApiVersion = "batch/v1",
        Kind = "Job",
        Metadata = new V1ObjectMeta
        {
            GenerateName = request.GenerateName,
            NamespaceProperty = @namespace,
            Labels = request.Metadata.Labels,
            Annotations = request.Metadata.Annotations,
        },
        Spec = new V1JobSpec
        {
            BackoffLimit = 0,
            TtlSecondsAfterFinished = request.TtlSecondsAfterFinished,
            Template = new V1PodTemplateSpec { Metadata = request.Metadata, Spec = request.Spec },
        },
    };

    private static void Append(StringBuilder text, string comment, V1Job job)
    {
        text.Append("---\n# ").Append(comment).Append('\n').Append(KubernetesYaml.Serialize(job).TrimEnd('\n')).Append('\n');
    }
}

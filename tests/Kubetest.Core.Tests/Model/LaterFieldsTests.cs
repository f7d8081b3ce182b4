using k8s.Models;
using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>The fields the original added after its README: all read into the model, Kubernetes parts untouched.</summary>
public class LaterFieldsTests
{
    private static readonly TestJob Job =
        ManifestLoader.Load(ManifestFiles.Read("Valid", "later-fields.yaml"), "later-fields.yaml", new Dictionary<string, string>()).Job;

    private static TestJobTemplate Main => Job.Spec.MainStep.Template;

    [Fact]
    public void Container_env_and_resources_pass_through_as_official_types()
    {
        var container = Main.MainContainer.Container;

        var env = Assert.Single(container.Env);
        Assert.IsType<V1EnvVar>(env);
        Assert.Equal(("GOFLAGS", "-count=1"), (env.Name, env.Value));
        Assert.Equal(new ResourceQuantity("500m"), container.Resources.Limits["cpu"]);
        Assert.Equal(new ResourceQuantity("1Gi"), container.Resources.Limits["memory"]);
    }

    [Fact]
    public void Pod_spec_fields_that_kubetest_does_not_own_pass_through()
    {
        Assert.Equal("ci", Main.Spec.Pod.NodeSelector["pool"]);
    }

    [Fact]
    public void The_agent_is_read_beside_the_container_and_not_into_it()
    {
        var agent = Main.MainContainer.Agent;

        Assert.NotNull(agent);
        Assert.Equal("/bin/kubetest-agent", agent.InstalledPath);
        Assert.Equal("10m", agent.Timeout);
    }

    [Fact]
    public void The_scheduler_can_limit_the_pod_count_with_maxPodNum()
    {
        var strategy = Job.Spec.MainStep.Strategy;

        Assert.NotNull(strategy);
        Assert.Equal(new Scheduler(MaxPodNum: 2, MaxContainersPerPod: 0, MaxConcurrentNumPerPod: 3), strategy.Scheduler);
        Assert.True(strategy.Retest);
    }

    [Fact]
    public void The_finalizer_container_is_kept_apart_from_the_main_containers()
    {
        var finalizer = Main.Spec.FinalizerContainer;

        Assert.NotNull(finalizer);
        Assert.Equal("collect", finalizer.Container.Name);
        Assert.DoesNotContain(Main.Spec.Containers, c => c.Container.Name == "collect");
        Assert.Equal(new ArtifactSpec("logs", "collect", "/out/logs.tar"), Assert.Single(Main.Spec.Artifacts));
    }

    [Fact]
    public void Steps_keep_ttlSecondsAfterFinished()
    {
        Assert.Equal(30, Job.Spec.MainStep.TtlSecondsAfterFinished);
        Assert.Equal(60, Assert.Single(Job.Spec.PostSteps).TtlSecondsAfterFinished);
    }

    [Fact]
    public void Post_steps_may_mount_the_report_and_artifacts_of_the_main_step()
    {
        var post = Assert.Single(Job.Spec.PostSteps);

        Assert.Equal(("upload", StepKind.PostStep), (post.Name, post.Kind));
        Assert.Equal(new ReportVolumeSource("json"), post.Template.Spec.Volumes[0].Source);
        Assert.Equal(new ArtifactVolumeSource("logs"), post.Template.Spec.Volumes[1].Source);
    }

    [Fact]
    public void Log_keeps_its_level_and_ext_params_as_written()
    {
        Assert.Equal("debug", Job.Spec.Log.Level);
        Assert.Equal("nightly", Job.Spec.Log.ExtParam["pipeline"]);
        Assert.Equal("1.10", Job.Spec.Log.ExtParam["commit"]);
    }

    [Fact]
    public void Repos_keep_clonedPath_and_tokens_keep_filePath()
    {
        var repo = Assert.Single(Job.Spec.Repos);
        Assert.Equal(new Repository("https://github.com/goccy/kubetest.git", "master", null, "file-token", null, "/home/ci/kubetest"), repo.Value);

        var token = Assert.Single(Job.Spec.Tokens);
        Assert.Equal(new TokenSource(null, null, "/var/run/secrets/github/token"), token.Value);
        Assert.Equal(new RepoVolumeSource("src"), Main.Spec.Volumes[0].Source);
        Assert.Equal(new TokenVolumeSource("file-token"), Main.Spec.Volumes[1].Source);
    }
}

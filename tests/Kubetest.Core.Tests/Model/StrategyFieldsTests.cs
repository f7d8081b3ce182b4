using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>kubetest's own strategy fields: <c>retest</c> as a count, <c>failFast</c>, <c>key.timeout</c>.</summary>
public class StrategyFieldsTests
{
    [Theory]
    [InlineData("retest: true", 1)]
    [InlineData("retest: false", 0)]
    [InlineData("retest: 0", 0)]
    [InlineData("retest: 3", 3)]
    [InlineData("retest: 10", 10)]
    [InlineData("", 0)]
    public void Retest_is_true_false_or_a_number_of_reruns(string field, int reruns)
    {
        var strategy = Load(field);

        Assert.Equal(reruns, strategy.Reruns);
        Assert.Equal(reruns > 0, strategy.Retest);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("45", 45)]
    [InlineData("168h", 604800)]
    public void The_key_timeout_is_a_go_duration_or_whole_seconds(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Load("", $"timeout: {text}").Key.Timeout);
    }

    [Fact]
    public void Without_the_new_fields_there_is_no_timeout_and_no_fail_fast()
    {
        var strategy = Load("");

        Assert.Null(strategy.Key.Timeout);
        Assert.False(strategy.FailFast);
    }

    [Fact]
    public void FailFast_is_read()
    {
        Assert.True(Load("failFast: true").FailFast);
    }

    [Fact]
    public void An_unknown_strategy_field_is_still_a_warning_naming_it()
    {
        var loaded = ManifestLoader.Load(Manifest("failfast: true", ""), "keys.yaml", new Dictionary<string, string>());

        Assert.Contains(loaded.Warnings, w => w.Path == "spec.mainStep.strategy.failfast");
    }

    [Theory]
    [InlineData("", SchedulerMode.Static)]
    [InlineData("scheduler: {maxPodNum: 2}", SchedulerMode.Static)]
    [InlineData("scheduler: {mode: static}", SchedulerMode.Static)]
    [InlineData("scheduler: {mode: queue, maxPodNum: 2}", SchedulerMode.Queue)]
    public void The_scheduler_mode_is_static_unless_it_says_queue(string field, SchedulerMode mode)
    {
        Assert.Equal(mode, Load(field).Scheduler.Mode);
    }

    [Theory]
    [InlineData("Queue")]
    [InlineData("dynamic")]
    [InlineData("\"\"")]
    public void An_unknown_scheduler_mode_is_one_problem_naming_the_field(string value)
    {
        var ex = Assert.Throws<ManifestException>(() => Load($"scheduler: {{mode: {value}}}"));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("spec.mainStep.strategy.scheduler.mode", problem.Path);
        Assert.Contains("expected \"static\" or \"queue\"", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_scheduler_field_is_a_warning_naming_it()
    {
        var loaded = ManifestLoader.Load(Manifest("scheduler: {mdoe: queue}", ""), "keys.yaml", new Dictionary<string, string>());

        Assert.Contains(loaded.Warnings, w => w.Path == "spec.mainStep.strategy.scheduler.mdoe");
    }

    private static Strategy Load(string strategyField, string keyField = "") =>
        ManifestLoader.Load(Manifest(strategyField, keyField), "keys.yaml", new Dictionary<string, string>()).Job.Spec.MainStep.Strategy!;

    private static string Manifest(string strategyField, string keyField) => $"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: keys
        spec:
          mainStep:
            strategy:
              {strategyField}
              key:
                env: TASK_KEY
                {keyField}
                source: {"{"}static: [a, b]{"}"}
            template:
              spec:
                containers:
                  - name: test
                    command: [echo]
        """;
}

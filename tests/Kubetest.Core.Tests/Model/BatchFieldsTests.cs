using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary><c>strategy.batch</c>: <c>maxKeys</c>, <c>targetSeconds</c>, <c>delimiter</c>.</summary>
public class BatchFieldsTests
{
    [Fact]
    public void The_batch_fields_are_read_and_the_delimiter_defaults_to_a_space()
    {
        Assert.Equal(new Batch(3, 20.5, " "), Load("batch: {maxKeys: 3, targetSeconds: 20.5}").Batch);
        Assert.Equal(new Batch(null, 60, ","), Load("batch: {targetSeconds: 60, delimiter: \",\"}").Batch);
        Assert.Equal(new Batch(2, null, " "), Load("batch: {maxKeys: 2}").Batch);
    }

    [Fact]
    public void The_valid_corpus_batch_manifest_loads_with_every_field()
    {
        var strategy = ManifestLoader.Load(ManifestFiles.Read("Valid", "strategy-batch.yaml"), "strategy-batch.yaml", new Dictionary<string, string>()).Job.Spec.MainStep.Strategy!;

        Assert.Equal(new Batch(20, 30, " "), strategy.Batch);
    }

    [Fact]
    public void Without_batch_a_command_runs_one_key()
    {
        Assert.Null(Load("").Batch);
    }

    [Theory]
    [InlineData("batch: {maxKeys: 0}", "spec.mainStep.strategy.batch.maxKeys", "must be between 1 and 10000, got 0")]
    [InlineData("batch: {maxKeys: two}", "spec.mainStep.strategy.batch.maxKeys", "expected an integer")]
    [InlineData("batch: {targetSeconds: 0}", "spec.mainStep.strategy.batch.targetSeconds", "expected a number of seconds above 0, got the number 0")]
    [InlineData("batch: {targetSeconds: -5}", "spec.mainStep.strategy.batch.targetSeconds", "expected a number of seconds above 0")]
    [InlineData("batch: {targetSeconds: 10s}", "spec.mainStep.strategy.batch.targetSeconds", "expected a number of seconds above 0")]
    [InlineData("batch: {maxKeys: 2, delimiter: \"\"}", "spec.mainStep.strategy.batch.delimiter", "must not be empty")]
    [InlineData("batch: {delimiter: \",\"}", "spec.mainStep.strategy.batch", "needs maxKeys or targetSeconds")]
    public void A_bad_batch_field_is_one_problem_naming_it(string field, string path, string message)
    {
        var ex = Assert.Throws<ManifestException>(() => Load(field));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal(path, problem.Path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_in_static_mode_is_read_like_one_in_queue_mode()
    {
        var strategy = Load("batch: {maxKeys: 2, targetSeconds: 30, delimiter: \",\"}", mode: "static");

        Assert.Equal(SchedulerMode.Static, strategy.Scheduler.Mode);
        Assert.Equal(new Batch(2, 30, ","), strategy.Batch);
    }

    [Fact]
    public void A_bad_batch_field_in_static_mode_is_still_a_problem_naming_it()
    {
        var ex = Assert.Throws<ManifestException>(() => Load("batch: {maxKeys: 0}", mode: "static"));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("spec.mainStep.strategy.batch.maxKeys", problem.Path);
    }

    [Fact]
    public void A_misspelt_batch_field_is_a_warning_naming_it()
    {
        var loaded = ManifestLoader.Load(Manifest("batch: {maxKeys: 2, maxkey: 3}", "queue"), "keys.yaml", new Dictionary<string, string>());

        Assert.Contains(loaded.Warnings, w => w.Path == "spec.mainStep.strategy.batch.maxkey");
    }

    private static Strategy Load(string strategyField, string mode = "queue") =>
        ManifestLoader.Load(Manifest(strategyField, mode), "keys.yaml", new Dictionary<string, string>()).Job.Spec.MainStep.Strategy!;

    private static string Manifest(string strategyField, string mode) => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: keys
        spec:
          mainStep:
            strategy:
              {{strategyField}}
              scheduler: {mode: {{mode}}}
              key:
                env: TASK_KEY
                source: {static: [a, b]}
            template:
              spec:
                containers:
                  - name: test
                    command: [echo]
        """;
}

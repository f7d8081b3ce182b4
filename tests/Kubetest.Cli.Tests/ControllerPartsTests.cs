using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kubetest.Cli.Controller;
using Kubetest.Reporting;

namespace Kubetest.Cli.Tests;

/// <summary>The controller's pieces that need no cluster: a resource read as a manifest, its annotations as options, the report ConfigMap's size rules.</summary>
public sealed class ControllerPartsTests
{
    private static TestJobObject Resource(string annotations = "{}", string spec = """{"mainStep":{"template":{"spec":{"containers":[{"name":"t","image":"alpine","command":["true"]}]}}}}""") =>
        TestJobObject.Read(JsonNode.Parse($$$"""
            {"apiVersion":"kubetest.io/v1","kind":"TestJob",
             "metadata":{"name":"nightly","namespace":"ci","uid":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","generation":3,"resourceVersion":"42",
                         "labels":{"team":"a"},"annotations":{{{annotations}}},"finalizers":["other/x","kubetest.io/run-cleanup"],
                         "managedFields":[{"manager":"kubectl"}]},
             "spec":{{{spec}}},
             "status":{"phase":"Running"}}
            """)!.AsObject());

    [Fact]
    public void A_resource_is_read_with_what_the_controller_decides_by()
    {
        var resource = Resource();

        Assert.Equal(("ci", "nightly", "ci/nightly", 3L, "Running"), (resource.Namespace, resource.Name, resource.Key, resource.Generation, resource.Phase));
        Assert.True(resource.HasFinalizer);
        Assert.False(resource.Deleting);
        Assert.False(resource.Finished);
    }

    [Fact]
    public void A_resource_becomes_the_manifest_the_loader_reads_without_the_server_s_fields_or_its_annotations()
    {
        var resource = Resource(annotations: """{"kubectl.kubernetes.io/last-applied-configuration":"{{ .x }}"}""");

        var manifest = JsonNode.Parse(resource.ManifestText())!.AsObject();
        var loaded = Model.ManifestLoader.Load(resource.ManifestText(), "testjob ci/nightly", new Dictionary<string, string>());

        Assert.Equal(["apiVersion", "kind", "metadata", "spec"], manifest.Select(p => p.Key));
        Assert.Equal("""{"name":"nightly","namespace":"ci","labels":{"team":"a"}}""", manifest["metadata"]!.ToJsonString());
        Assert.Equal("nightly", loaded.Job.Metadata.Name);
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void The_run_id_comes_from_the_uid_so_a_restarted_controller_finds_the_run_s_jobs()
    {
        Assert.Equal("tj0f1e2d3c4b5a", RunIds.For(Resource()));
        Assert.Equal(RunIds.For(Resource()), RunIds.For(Resource(annotations: """{"a":"b"}""")));
    }

    [Fact]
    public void Annotations_give_the_run_s_options_and_templates()
    {
        var settings = RunSettings.Read(new Dictionary<string, string>
        {
            ["kubetest.io/key-timeout"] = "90s",
            ["kubetest.io/fail-fast"] = "true",
            ["kubetest.io/max-run-time"] = "2h",
            ["kubetest.io/timings-store"] = "none",
            ["kubetest.io/log-level"] = "DEBUG",
            ["template.kubetest.io/repo"] = "https://example.com/r.git",
            ["kubectl.kubernetes.io/last-applied-configuration"] = "{}",
        });

        Assert.Equal(TimeSpan.FromSeconds(90), settings.KeyTimeout);
        Assert.True(settings.FailFast);
        Assert.Equal(TimeSpan.FromHours(2), settings.MaxRunTime);
        Assert.False(settings.TimingStore);
        Assert.Equal(LogLevel.Debug, settings.LogLevel);
        Assert.Equal("https://example.com/r.git", settings.Templates["repo"]);
    }

    [Fact]
    public void Without_annotations_a_run_has_the_CLI_s_defaults()
    {
        var settings = RunSettings.Read(new Dictionary<string, string>());

        Assert.Null(settings.KeyTimeout);
        Assert.False(settings.FailFast);
        Assert.True(settings.TimingStore);
        Assert.Equal(Runtime.JobLifecycle.DefaultMaxRunTime, settings.MaxRunTime);
        Assert.Empty(settings.Templates);
    }

    [Theory]
    [InlineData("kubetest.io/key-timeout", "soon", "annotation kubetest.io/key-timeout: expects a duration")]
    [InlineData("kubetest.io/key-timeout", "-5m", "annotation kubetest.io/key-timeout: expects a duration")]
    [InlineData("kubetest.io/fail-fast", "yes", "annotation kubetest.io/fail-fast: expected true or false, got \"yes\"")]
    [InlineData("kubetest.io/timings-store", "/tmp/x.json", "annotation kubetest.io/timings-store: expected cluster or none")]
    [InlineData("kubetest.io/log-level", "loud", "annotation kubetest.io/log-level: expected debug, info, warn or error")]
    [InlineData("kubetest.io/keytimeout", "5m", "annotation kubetest.io/keytimeout is not one kubetest reads")]
    public void A_bad_annotation_is_one_message_naming_it(string name, string value, string message)
    {
        var error = Assert.Throws<UserInputException>(() => RunSettings.Read(new Dictionary<string, string> { [name] = value }));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    private static RunOutcome Outcome(int keys, int keyNameLength, string junit = "<testsuite/>")
    {
        var details = Enumerable.Range(0, keys).Select(i => new ReportDetail($"{i:D8}-{new string('k', keyNameLength)}", KeyStatus.Success, 1)).ToList();
        var report = Report.Build(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(3), details, new Dictionary<string, string>(), stepsFailed: false);
        return new RunOutcome(report, junit, Interrupted: false, BadInput: false, LeftBehind: false);
    }

    [Fact]
    public void A_small_report_is_kept_as_plain_text_owned_by_the_TestJob_s_name()
    {
        var map = ReportConfigMap.Build(Resource(), Outcome(3, 5));

        Assert.Equal("kubetest-report-nightly", map.Metadata.Name);
        Assert.Equal(["junit.xml", "report.json"], map.Data.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, JsonDocument.Parse(map.Data["report.json"]).RootElement.GetProperty("totalNum").GetInt32());
        Assert.Empty(map.BinaryData);
    }

    [Fact]
    public void A_report_over_a_ConfigMap_s_size_is_kept_gzip_compressed_and_a_JUnit_that_cannot_fit_is_left_out_and_said()
    {
        // About 1.2 MB of report JSON (compresses well) and 2 MB of random JUnit (does not).
        var random = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(1_500_000));
        var map = ReportConfigMap.Build(Resource(), Outcome(6000, 100, junit: $"<testsuite><system-out>{random}</system-out></testsuite>"));

        Assert.Empty(map.Data);
        var packed = Assert.Single(map.BinaryData);
        Assert.Equal("report.json.gz", packed.Key);
        Assert.True(packed.Value.Length < ReportConfigMap.MaxBytes);
        using var unzip = new GZipStream(new MemoryStream(packed.Value), CompressionMode.Decompress);
        using var reader = new StreamReader(unzip, Encoding.UTF8);
        Assert.Equal(6000, JsonDocument.Parse(reader.ReadToEnd()).RootElement.GetProperty("totalNum").GetInt32());
        Assert.Equal("junit.xml: too large for a ConfigMap even compressed", map.Metadata.Annotations[ReportConfigMap.OmittedAnnotation]);
    }

    [Fact]
    public void A_name_that_is_no_object_name_gets_a_readable_hashed_report_name()
    {
        var resource = Resource() with { Name = new string('n', 250) };

        var name = ReportConfigMap.Build(resource, Outcome(1, 1)).Metadata.Name;

        Assert.StartsWith("kubetest-report-nnnn", name, StringComparison.Ordinal);
        Assert.True(name.Length <= 253, name);
    }

    [Fact]
    public void A_finished_status_has_the_report_s_totals_and_at_most_100_failed_keys()
    {
        var details = Enumerable.Range(0, 150).Select(i => new ReportDetail($"k{i:D3}", i < 120 ? KeyStatus.Failure : KeyStatus.Success, 1, Flaky: i == 149)).ToList();
        var report = Report.Build(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(3), details, new Dictionary<string, string>(), stepsFailed: false);
        var outcome = new RunOutcome(report, "<testsuite/>", false, false, false);

        var status = StatusOf.Finished(Resource(), outcome, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(1), "kubetest-report-nightly", null);

        Assert.Equal(TestJobPhase.Failed, status.Phase);
        Assert.Equal((150, 30, 120, 1), (status.TotalNum, status.SuccessNum, status.FailureNum, status.FlakyNum));
        Assert.Equal(TestJobStatus.MaxListedKeys, status.FailedKeys!.Count);
        Assert.Equal("k000", status.FailedKeys[0]);
        Assert.Equal(["k149"], status.FlakyKeys);
        Assert.Equal("120 of 150 keys did not pass", status.Message);
        Assert.Equal(3, status.ObservedGeneration);
        Assert.Contains(status.Conditions!, c => c.Type == "Succeeded" && c.Status == "False" && c.Reason == "Failed");
    }
}

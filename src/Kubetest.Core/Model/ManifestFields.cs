using System.Text.Json.Nodes;
using k8s.Models;
using static Kubetest.Model.FieldSchemas;

namespace Kubetest.Model;

/// <summary>
/// Every field of kubetest's own in a TestJob, declared once (here, in <see cref="SourceFields"/> and in
/// <see cref="TemplateFields"/>): <see cref="ManifestReader"/> takes the known keys and required fields from these,
/// <see cref="ManifestSchema"/> writes the schema from them. A static field may only use those above it or another class's.
/// </summary>
internal static class ManifestFields
{
    /// <summary>The most a scheduler limit may be: far above any cluster, far below integer overflow in planning.</summary>
    public const int MaxSchedulerLimit = 1_000_000;

    public static readonly FieldSet Dynamic = new("dynamic", typeof(DynamicKeySource),
        Field("template", new ObjectShape(TemplateFields.Template), "The pod whose main container prints the keys.", required: true),
        Field("delimiter", NonEmptyString(), "What separates the printed keys.", @default: "a new line"),
        Field("filter", String(), "A regular expression a printed key must match to be kept."),
        Field("ttlSecondsAfterFinished", Integer(0), "How long the pod is kept after it finished."));

    public static readonly FieldSet KeySource = new("source", typeof(StrategyKeySource),
        Field("static", new ListShape(Scalar()), "The keys, as written."),
        Field("dynamic", new ObjectShape(Dynamic), "A step that prints the keys."));

    public static readonly FieldSet Key = new("key", typeof(StrategyKey),
        Field("env", String(), "The environment variable holding the key (or batch of keys) a command runs.", required: true),
        Field("source", new ObjectShape(KeySource), "Where the keys come from.", required: true),
        Field("timeout", Duration(), "How long one run of a key may take: a Go duration or whole seconds.", @default: "no limit"));

    public static readonly FieldSet Scheduler = new("scheduler", typeof(Model.Scheduler),
        Field("maxPodNum", Integer(0, MaxSchedulerLimit), "The most pods at a time; 0 for no limit.", @default: "0"),
        Field("maxContainersPerPod", Integer(0, MaxSchedulerLimit), "The most key containers in one pod; 0 for no limit.", @default: "0"),
        Field("maxConcurrentNumPerPod", Integer(0, MaxSchedulerLimit), "The most keys running at once in one pod; 0 for no limit.", @default: "0"),
        Field("mode", new ValueShape(new JsonObject { ["enum"] = new JsonArray("static", "queue") }), "static: keys bound to pods when planned; queue: workers take keys from one queue.", @default: "static"));

    public static readonly FieldSet Batch = new("batch", typeof(Model.Batch),
        Field("maxKeys", Integer(1, Model.Batch.MaxMaxKeys), "The most keys in one batch."),
        Field("targetSeconds", new ValueShape(new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0 }), "The most expected seconds of work in one batch, when durations are known."),
        Field("delimiter", NonEmptyString(), "What joins the keys of a batch.", @default: "a space"));

    public static readonly FieldSet Strategy = new("strategy", typeof(Model.Strategy),
        Field("key", new ObjectShape(Key), "The keys the test suite is cut into.", required: true),
        Field("scheduler", new ObjectShape(Scheduler), "How keys are spread over pods and containers."),
        Field("retest", new ValueShape(new JsonObject { ["oneOf"] = new JsonArray(BooleanSchema(), IntegerSchema(0, Model.Strategy.MaxReruns)) }), "How often a failed key runs again: true (once), false, or a number.", @default: "false", property: nameof(Model.Strategy.Reruns)),
        Field("failFast", Boolean(), "After the first key that failed for good, no new key starts.", @default: "false"),
        Field("batch", new ObjectShape(Batch), "Several keys in one command."));

    public static readonly FieldSet MainStep = new("mainStep", typeof(Model.MainStep),
        Field("strategy", new ObjectShape(Strategy), "How the main step is cut into keys; without it, the template runs once."),
        Field("ttlSecondsAfterFinished", Integer(0), "How long the step's pods are kept after they finished."),
        Field("template", new ObjectShape(TemplateFields.Template), "The pod each key runs in.", required: true));

    public static readonly FieldSet Spec = new("spec", typeof(TestJobSpec),
        Field("repos", new ListShape(new ObjectShape(SourceFields.Repo)), "Repositories cloned for the steps."),
        Field("tokens", new ListShape(new ObjectShape(SourceFields.Token)), "Tokens for repositories and volumes."),
        Field("preSteps", new ListShape(new ObjectShape(TemplateFields.Step)), "Steps run once, in order, before the main step."),
        Field("mainStep", new ObjectShape(MainStep), "The test run.", required: true),
        Field("postSteps", new ListShape(new ObjectShape(TemplateFields.Step)), "Steps run once, in order, after the main step."),
        Field("exportArtifacts", new ListShape(new ObjectShape(SourceFields.Export)), "Artifacts copied to the machine running kubetest."),
        Field("log", new ObjectShape(SourceFields.Log), "The log's level and extra fields."));

    public static readonly FieldSet TestJob = new("TestJob", typeof(Model.TestJob),
        Field("apiVersion", new ValueShape(new JsonObject { ["const"] = Model.TestJob.ApiVersionV1 }), "Always kubetest.io/v1.", required: true),
        Field("kind", new ValueShape(new JsonObject { ["const"] = Model.TestJob.KindTestJob }), "Always TestJob.", required: true),
        Field("metadata", new KubernetesShape(typeof(V1ObjectMeta)), "The TestJob's name, namespace and labels."),
        Field("spec", new ObjectShape(Spec), "What the TestJob runs.", required: true),
        Field("status", new ValueShape(new JsonObject()), "Accepted and ignored, as Kubernetes objects carry one.", property: ManifestField.NotKept));
}

using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Model;

/// <summary>Binds the manifest tree to the TestJob model, collecting every shape problem on the way.</summary>
internal sealed partial class ManifestReader(NodeReader r)
{
    /// <summary>The most a scheduler limit may be: far above any cluster, far below integer overflow in planning.</summary>
    private const int MaxSchedulerLimit = 1_000_000;

    public TestJob? Read(JsonNode? root)
    {
        if (r.Object(root, "", required: true) is not JsonObject doc)
        {
            return null;
        }

        r.OnlyKnown(doc, "", "apiVersion", "kind", "metadata", "spec", "status");
        var apiVersion = r.String(doc, "apiVersion", "", required: true) ?? "";
        var kind = r.String(doc, "kind", "", required: true) ?? "";
        var metadata = r.Kubernetes<V1ObjectMeta>(doc["metadata"], "metadata") ?? new V1ObjectMeta();
        if (r.Object(doc, "spec", "", required: true) is not JsonObject spec)
        {
            return null;
        }

        r.OnlyKnown(spec, "spec", "repos", "tokens", "preSteps", "mainStep", "postSteps", "exportArtifacts", "log");
        var mainStep = MainStep(r.Object(spec, "mainStep", "spec", required: true), "spec.mainStep");
        if (mainStep is null)
        {
            return null;
        }

        return new TestJob
        {
            ApiVersion = apiVersion,
            Kind = kind,
            Metadata = metadata,
            Spec = new TestJobSpec
            {
                Repos = r.List(spec, "repos", "spec", Repo),
                Tokens = r.List(spec, "tokens", "spec", Token),
                PreSteps = r.List(spec, "preSteps", "spec", (n, p) => Step(n, p, StepKind.PreStep)),
                MainStep = mainStep,
                PostSteps = r.List(spec, "postSteps", "spec", (n, p) => Step(n, p, StepKind.PostStep)),
                ExportArtifacts = r.List(spec, "exportArtifacts", "spec", Export),
                Log = Log(r.Object(spec, "log", "spec"), "spec.log"),
            },
        };
    }

    private RepositorySpec? Repo(JsonNode? node, string path)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        r.OnlyKnown(o, path, "name", "value");
        var name = r.String(o, "name", path, required: true) ?? "";
        if (r.Object(o, "value", path, required: true) is not JsonObject v)
        {
            return null;
        }

        var valuePath = NodeReader.Child(path, "value");
        r.OnlyKnown(v, valuePath, "url", "branch", "rev", "token", "merge", "clonedPath");
        var merge = r.Object(v, "merge", valuePath);
        var mergeBase = merge is null ? null : r.String(merge, "base", NodeReader.Child(valuePath, "merge"), required: true);
        return new RepositorySpec(name, new Repository(
            r.String(v, "url", valuePath, required: true) ?? "",
            r.String(v, "branch", valuePath),
            r.String(v, "rev", valuePath),
            r.String(v, "token", valuePath),
            mergeBase,
            r.String(v, "clonedPath", valuePath)));
    }

    private TokenSpec? Token(JsonNode? node, string path)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        r.OnlyKnown(o, path, "name", "value");
        var name = r.String(o, "name", path, required: true) ?? "";
        if (r.Object(o, "value", path, required: true) is not JsonObject v)
        {
            return null;
        }

        var valuePath = NodeReader.Child(path, "value");
        r.OnlyKnown(v, valuePath, "githubApp", "githubToken", "filePath");
        GitHubAppTokenSource? app = null;
        if (r.Object(v, "githubApp", valuePath) is JsonObject a)
        {
            var appPath = NodeReader.Child(valuePath, "githubApp");
            r.OnlyKnown(a, appPath, "organization", "appId", "installationId", "keyFile");
            app = new GitHubAppTokenSource(
                r.String(a, "organization", appPath),
                r.Integer(a, "appId", appPath, min: 1) ?? 0,
                r.Integer(a, "installationId", appPath, min: 1),
                Secret(r.Object(a, "keyFile", appPath, required: true), NodeReader.Child(appPath, "keyFile")));
        }

        var github = Secret(r.Object(v, "githubToken", valuePath), NodeReader.Child(valuePath, "githubToken"));
        var file = r.String(v, "filePath", valuePath);
        var sources = (app is null ? 0 : 1) + (github is null ? 0 : 1) + (file is null ? 0 : 1);
        if (sources != 1)
        {
            r.Problem(valuePath, sources == 0
                ? "needs one of githubApp, githubToken or filePath"
                : "must set only one of githubApp, githubToken or filePath");
        }

        return new TokenSpec(name, new TokenSource(app, github, file));
    }

    private SecretKeySelector? Secret(JsonObject? o, string path)
    {
        if (o is null)
        {
            return null;
        }

        r.OnlyKnown(o, path, "name", "key", "optional");
        return new SecretKeySelector(r.String(o, "name", path, required: true) ?? "", r.String(o, "key", path, required: true) ?? "");
    }

    private ExportArtifact? Export(JsonNode? node, string path)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        r.OnlyKnown(o, path, "name", "path");
        return new ExportArtifact(r.String(o, "name", path, required: true) ?? "", r.String(o, "path", path, required: true) ?? "");
    }

    private LogSpec Log(JsonObject? o, string path)
    {
        if (o is null)
        {
            return new LogSpec();
        }

        r.OnlyKnown(o, path, "level", "extParam");
        string? level = null;
        var levelPath = NodeReader.Child(path, "level");
        switch (o["level"])
        {
            case null:
                break;
            case JsonValue v when v.TryGetValue<long>(out var n):
                // The original stores the level as a number: 0 none … 4 debug.
                level = n switch { 1 => "error", 2 => "warn", 3 => "info", 4 => "debug", _ => null };
                if (n != 0 && level is null)
                {
                    r.Problem(levelPath, $"must be debug, info, warn or error (or 1-4), got {n}");
                }

                break;
            default:
                var text = r.String(o, "level", path);
                level = text?.ToLowerInvariant();
                if (level is not null and not ("debug" or "info" or "warn" or "error"))
                {
                    r.Problem(levelPath, $"must be debug, info, warn or error (in any case), got \"{text}\"");
                    level = null;
                }

                break;
        }

        return new LogSpec { Level = level, ExtParam = r.StringMap(o, "extParam", path) };
    }

    private Step? Step(JsonNode? node, string path, StepKind kind)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        r.OnlyKnown(o, path, "name", "ttlSecondsAfterFinished", "template");
        var name = r.String(o, "name", path, required: true) ?? "";
        var ttl = (int?)r.Integer(o, "ttlSecondsAfterFinished", path, 0, int.MaxValue);
        var template = Template(r.Object(o, "template", path, required: true), NodeReader.Child(path, "template"));
        return template is null ? null : new Step(name, kind, ttl, template);
    }

    private MainStep? MainStep(JsonObject? o, string path)
    {
        if (o is null)
        {
            return null;
        }

        r.OnlyKnown(o, path, "strategy", "ttlSecondsAfterFinished", "template");
        var template = Template(r.Object(o, "template", path, required: true), NodeReader.Child(path, "template"));
        var strategy = Strategy(r.Object(o, "strategy", path), NodeReader.Child(path, "strategy"));
        return template is null
            ? null
            : new MainStep
            {
                Template = template,
                Strategy = strategy,
                TtlSecondsAfterFinished = (int?)r.Integer(o, "ttlSecondsAfterFinished", path, 0, int.MaxValue),
            };
    }

    private Strategy? Strategy(JsonObject? o, string path)
    {
        if (o is null)
        {
            return null;
        }

        r.OnlyKnown(o, path, "key", "scheduler", "retest", "failFast", "batch");
        var keyPath = NodeReader.Child(path, "key");
        if (r.Object(o, "key", path, required: true) is not JsonObject key)
        {
            return null;
        }

        r.OnlyKnown(key, keyPath, "env", "source", "timeout");
        var env = r.String(key, "env", keyPath, required: true) ?? "";
        var timeout = Timeout(key, keyPath);
        var sourcePath = NodeReader.Child(keyPath, "source");
        IReadOnlyList<string>? statics = null;
        DynamicKeySource? dynamic = null;
        if (r.Object(key, "source", keyPath, required: true) is JsonObject source)
        {
            r.OnlyKnown(source, sourcePath, "static", "dynamic");
            if (source["static"] is not null)
            {
                statics = r.List(source, "static", sourcePath, (n, p) => r.String(n, p, required: true));
            }

            dynamic = Dynamic(r.Object(source, "dynamic", sourcePath), NodeReader.Child(sourcePath, "dynamic"));
        }

        var schedulerPath = NodeReader.Child(path, "scheduler");
        var scheduler = new Scheduler(0, 0, 0);
        if (r.Object(o, "scheduler", path) is JsonObject s)
        {
            r.OnlyKnown(s, schedulerPath, "maxPodNum", "maxContainersPerPod", "maxConcurrentNumPerPod", "mode");
            scheduler = new Scheduler(
                (int)(r.Integer(s, "maxPodNum", schedulerPath, 0, MaxSchedulerLimit) ?? 0),
                (int)(r.Integer(s, "maxContainersPerPod", schedulerPath, 0, MaxSchedulerLimit) ?? 0),
                (int)(r.Integer(s, "maxConcurrentNumPerPod", schedulerPath, 0, MaxSchedulerLimit) ?? 0),
                Mode(s, schedulerPath));
        }

        return new Strategy
        {
            Key = new StrategyKey(env, new StrategyKeySource(statics, dynamic), timeout),
            Scheduler = scheduler,
            Reruns = Reruns(o, path),
            FailFast = r.Boolean(o, "failFast", path),
            Batch = Batch(r.Object(o, "batch", path), NodeReader.Child(path, "batch")),
        };
    }

    /// <summary><c>batch</c>: <c>maxKeys</c> (1..10000), <c>targetSeconds</c> (a number above 0), <c>delimiter</c> (not empty, a space if left out); in either scheduler mode.</summary>
    private Batch? Batch(JsonObject? o, string path)
    {
        if (o is null)
        {
            return null;
        }

        r.OnlyKnown(o, path, "maxKeys", "targetSeconds", "delimiter");
        var maxKeys = (int?)r.Integer(o, "maxKeys", path, 1, Model.Batch.MaxMaxKeys);
        double? target = null;
        if (o["targetSeconds"] is { } t)
        {
            if (t is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && double.IsFinite(seconds))
            {
                target = seconds;
            }
            else
            {
                r.Problem(NodeReader.Child(path, "targetSeconds"), $"expected a number of seconds above 0, got {NodeReader.Describe(t)}");
            }
        }

        var delimiter = r.String(o, "delimiter", path);
        if (delimiter is { Length: 0 })
        {
            r.Problem(NodeReader.Child(path, "delimiter"), "must not be empty (leave it out for a space)");
        }

        if (maxKeys is null && target is null && o["maxKeys"] is null && o["targetSeconds"] is null)
        {
            r.Problem(path, "needs maxKeys or targetSeconds (or both)");
        }

        return new Batch(maxKeys, target, string.IsNullOrEmpty(delimiter) ? " " : delimiter);
    }

    /// <summary><c>scheduler.mode</c>: <c>static</c> (the default) or <c>queue</c>.</summary>
    private SchedulerMode Mode(JsonObject scheduler, string schedulerPath)
    {
        switch (r.String(scheduler, "mode", schedulerPath))
        {
            case null or "static":
                return SchedulerMode.Static;
            case "queue":
                return SchedulerMode.Queue;
            case var other:
                r.Problem(NodeReader.Child(schedulerPath, "mode"), $"expected \"static\" or \"queue\", got \"{Printable.Escape(other)}\"");
                return SchedulerMode.Static;
        }
    }

    /// <summary><c>retest</c>: true (one rerun, as the original), false, or a number of reruns.</summary>
    private int Reruns(JsonObject o, string path)
    {
        if (o["retest"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            return (int)(r.Integer(o, "retest", path, 0, Model.Strategy.MaxReruns) ?? 0);
        }

        if (o["retest"] is null || o["retest"] is JsonValue { } b && b.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False)
        {
            return r.Boolean(o, "retest", path) ? 1 : 0;
        }

        r.Problem(NodeReader.Child(path, "retest"), $"expected true, false or a number of reruns (0 to {Model.Strategy.MaxReruns}), got {NodeReader.Describe(o["retest"])}");
        return 0;
    }

    /// <summary><c>key.timeout</c>: a Go duration (<c>90s</c>, <c>1.5m</c>, <c>1h30m</c>) or whole seconds, at most <see cref="Model.Strategy.MaxKeyTimeout"/>; the watchdog counts whole seconds, so a part of one rounds up.</summary>
    private TimeSpan? Timeout(JsonObject key, string keyPath)
    {
        if (r.String(key, "timeout", keyPath) is not { } text)
        {
            return null;
        }

        if (!GoDuration.TryParse(text, out var timeout))
        {
            r.Problem(NodeReader.Child(keyPath, "timeout"), GoDuration.Expected(text));
            return null;
        }

        if (timeout > Model.Strategy.MaxKeyTimeout)
        {
            r.Problem(NodeReader.Child(keyPath, "timeout"), GoDuration.AtMost(Model.Strategy.MaxKeyTimeout, text));
            return null;
        }

        return GoDuration.WholeSecondsUp(timeout);
    }

    private DynamicKeySource? Dynamic(JsonObject? o, string path)
    {
        if (o is null)
        {
            return null;
        }

        r.OnlyKnown(o, path, "template", "delimiter", "filter", "ttlSecondsAfterFinished");
        var template = Template(r.Object(o, "template", path, required: true), NodeReader.Child(path, "template"));
        var delimiter = r.String(o, "delimiter", path);
        if (delimiter is { Length: 0 })
        {
            r.Problem(NodeReader.Child(path, "delimiter"), "must not be empty (leave it out for a new line)");
        }

        return template is null
            ? null
            : new DynamicKeySource(
                template,
                string.IsNullOrEmpty(delimiter) ? "\n" : delimiter,
                r.String(o, "filter", path),
                (int?)r.Integer(o, "ttlSecondsAfterFinished", path, 0, int.MaxValue));
    }
}

using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Model;

/// <summary>Binds the manifest tree to the TestJob model, collecting every shape problem on the way.</summary>
internal sealed partial class ManifestReader(NodeReader r)
{
    public TestJob? Read(JsonNode? root)
    {
        if (r.Object(root, "", required: true) is not JsonObject doc)
        {
            return null;
        }

        var f = ManifestFields.TestJob;
        r.OnlyKnown(doc, "", f);
        var apiVersion = r.String(doc, f["apiVersion"], "") ?? "";
        var kind = r.String(doc, f["kind"], "") ?? "";
        var metadata = r.Kubernetes<V1ObjectMeta>(doc[f["metadata"].Name], f["metadata"].Name) ?? new V1ObjectMeta();
        if (r.Object(doc, f["spec"], "") is not JsonObject spec)
        {
            return null;
        }

        var s = ManifestFields.Spec;
        var specPath = f["spec"].Name;
        r.OnlyKnown(spec, specPath, s);
        var mainStep = MainStep(r.Object(spec, s["mainStep"], specPath), NodeReader.Child(specPath, s["mainStep"].Name));
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
                Repos = r.List(spec, s["repos"], specPath, Repo),
                Tokens = r.List(spec, s["tokens"], specPath, Token),
                PreSteps = r.List(spec, s["preSteps"], specPath, (n, p) => Step(n, p, StepKind.PreStep)),
                MainStep = mainStep,
                PostSteps = r.List(spec, s["postSteps"], specPath, (n, p) => Step(n, p, StepKind.PostStep)),
                ExportArtifacts = r.List(spec, s["exportArtifacts"], specPath, Export),
                Log = Log(r.Object(spec, s["log"], specPath), NodeReader.Child(specPath, s["log"].Name)),
            },
        };
    }

    /// <summary>A <c>{name, value: {…}}</c> entry (a repository, a token): its name, and its value checked against <paramref name="valueFields"/>.</summary>
    private (string Name, JsonObject Value, string ValuePath)? NamedValue(JsonNode? node, string path, FieldSet fields, FieldSet valueFields)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        var name = r.String(o, fields["name"], path) ?? "";
        if (r.KnownWithChild(o, path, fields, "value") is not ({ } value, { } valuePath))
        {
            return null;
        }

        r.OnlyKnown(value, valuePath, valueFields);
        return (name, value, valuePath);
    }

    private RepositorySpec? Repo(JsonNode? node, string path)
    {
        var rv = SourceFields.RepoValue;
        if (NamedValue(node, path, SourceFields.Repo, rv) is not ({ } name, { } v, { } valuePath))
        {
            return null;
        }

        // Unknown keys beside merge.base were never warned about; kept so.
        var merge = r.Object(v, rv["merge"], valuePath);
        var mergeBase = merge is null ? null : r.String(merge, SourceFields.Merge["base"], NodeReader.Child(valuePath, rv["merge"].Name));
        return new RepositorySpec(name, new Repository(
            r.String(v, rv["url"], valuePath) ?? "",
            r.String(v, rv["branch"], valuePath),
            r.String(v, rv["rev"], valuePath),
            r.String(v, rv["token"], valuePath),
            mergeBase,
            r.String(v, rv["clonedPath"], valuePath)));
    }

    private TokenSpec? Token(JsonNode? node, string path)
    {
        var tv = SourceFields.TokenValue;
        if (NamedValue(node, path, SourceFields.Token, tv) is not ({ } name, { } v, { } valuePath))
        {
            return null;
        }
        GitHubAppTokenSource? app = null;
        if (r.Object(v, tv["githubApp"], valuePath) is JsonObject a)
        {
            var g = SourceFields.GitHubApp;
            var appPath = NodeReader.Child(valuePath, tv["githubApp"].Name);
            r.OnlyKnown(a, appPath, g);

            // appId is required by the schema; a missing one is reported when the token is resolved.
            app = new GitHubAppTokenSource(
                r.String(a, g["organization"], appPath),
                r.Integer(a, g["appId"], appPath, min: 1) ?? 0,
                r.Integer(a, g["installationId"], appPath, min: 1),
                Secret(r.Object(a, g["keyFile"], appPath), NodeReader.Child(appPath, g["keyFile"].Name)));
        }

        var github = Secret(r.Object(v, tv["githubToken"], valuePath), NodeReader.Child(valuePath, tv["githubToken"].Name));
        var file = r.String(v, tv["filePath"], valuePath);
        var sources = (app is null ? 0 : 1) + (github is null ? 0 : 1) + (file is null ? 0 : 1);
        if (sources != 1)
        {
            var names = $"{string.Join(", ", tv.Names[..^1])} or {tv.Names[^1]}";
            r.Problem(valuePath, sources == 0 ? $"needs one of {names}" : $"must set only one of {names}");
        }

        return new TokenSpec(name, new TokenSource(app, github, file));
    }

    private SecretKeySelector? Secret(JsonObject? o, string path)
    {
        if (o is null)
        {
            return null;
        }

        var f = SourceFields.Secret;
        r.OnlyKnown(o, path, f);
        return new SecretKeySelector(r.String(o, f["name"], path) ?? "", r.String(o, f["key"], path) ?? "");
    }

    private ExportArtifact? Export(JsonNode? node, string path)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        var f = SourceFields.Export;
        r.OnlyKnown(o, path, f);
        return new ExportArtifact(r.String(o, f["name"], path) ?? "", r.String(o, f["path"], path) ?? "");
    }

    private LogSpec Log(JsonObject? o, string path)
    {
        if (o is null)
        {
            return new LogSpec();
        }

        var f = SourceFields.Log;
        r.OnlyKnown(o, path, f);
        string? level = null;
        var levelPath = NodeReader.Child(path, f["level"].Name);
        switch (o[f["level"].Name])
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
                var text = r.String(o, f["level"], path);
                level = text?.ToLowerInvariant();
                if (level is not null and not ("debug" or "info" or "warn" or "error"))
                {
                    r.Problem(levelPath, $"must be debug, info, warn or error (in any case), got \"{text}\"");
                    level = null;
                }

                break;
        }

        return new LogSpec { Level = level, ExtParam = r.StringMap(o, f["extParam"], path) };
    }

    private Step? Step(JsonNode? node, string path, StepKind kind)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        var f = TemplateFields.Step;
        r.OnlyKnown(o, path, f);
        var name = r.String(o, f["name"], path) ?? "";
        var ttl = (int?)r.Integer(o, f["ttlSecondsAfterFinished"], path, 0, int.MaxValue);
        var template = TemplateOf(o, f, path);
        return template is null ? null : new Step(name, kind, ttl, template);
    }

    /// <summary>The object with its keys checked against <paramref name="fields"/>; null when there is none.</summary>
    private JsonObject? Known(JsonObject? o, string path, FieldSet fields)
    {
        if (o is not null)
        {
            r.OnlyKnown(o, path, fields);
        }

        return o;
    }

    /// <summary>The object's <c>template</c> field (a step's, the main step's, the dynamic keys').</summary>
    private TestJobTemplate? TemplateOf(JsonObject o, FieldSet fields, string path) =>
        Template(r.Object(o, fields["template"], path), NodeReader.Child(path, fields["template"].Name));

    private MainStep? MainStep(JsonObject? node, string path)
    {
        var f = ManifestFields.MainStep;
        if (Known(node, path, f) is not { } o)
        {
            return null;
        }

        var template = TemplateOf(o, f, path);
        var strategy = Strategy(r.Object(o, f["strategy"], path), NodeReader.Child(path, f["strategy"].Name));
        return template is null
            ? null
            : new MainStep
            {
                Template = template,
                Strategy = strategy,
                TtlSecondsAfterFinished = (int?)r.Integer(o, f["ttlSecondsAfterFinished"], path, 0, int.MaxValue),
            };
    }

    private Strategy? Strategy(JsonObject? o, string path)
    {
        var f = ManifestFields.Strategy;
        if (o is null || r.KnownWithChild(o, path, f, "key") is not ({ } key, { } keyPath))
        {
            return null;
        }

        var k = ManifestFields.Key;
        r.OnlyKnown(key, keyPath, k);
        var env = r.String(key, k["env"], keyPath) ?? "";
        var timeout = Timeout(key, keyPath);
        var sourcePath = NodeReader.Child(keyPath, k["source"].Name);
        IReadOnlyList<string>? statics = null;
        DynamicKeySource? dynamic = null;
        if (r.Object(key, k["source"], keyPath) is JsonObject source)
        {
            var ks = ManifestFields.KeySource;
            r.OnlyKnown(source, sourcePath, ks);
            if (source[ks["static"].Name] is not null)
            {
                statics = r.List(source, ks["static"], sourcePath, (n, p) => r.String(n, p, required: true));
            }

            dynamic = Dynamic(r.Object(source, ks["dynamic"], sourcePath), NodeReader.Child(sourcePath, ks["dynamic"].Name));
        }

        var schedulerPath = NodeReader.Child(path, f["scheduler"].Name);
        var scheduler = new Scheduler(0, 0, 0);
        if (r.Object(o, f["scheduler"], path) is JsonObject s)
        {
            var sf = ManifestFields.Scheduler;
            const int max = ManifestFields.MaxSchedulerLimit;
            r.OnlyKnown(s, schedulerPath, sf);
            scheduler = new Scheduler(
                (int)(r.Integer(s, sf["maxPodNum"], schedulerPath, 0, max) ?? 0),
                (int)(r.Integer(s, sf["maxContainersPerPod"], schedulerPath, 0, max) ?? 0),
                (int)(r.Integer(s, sf["maxConcurrentNumPerPod"], schedulerPath, 0, max) ?? 0),
                Mode(s, schedulerPath));
        }

        return new Strategy
        {
            Key = new StrategyKey(env, new StrategyKeySource(statics, dynamic), timeout),
            Scheduler = scheduler,
            Reruns = Reruns(o, path),
            FailFast = r.Boolean(o, f["failFast"], path),
            Batch = Batch(r.Object(o, f["batch"], path), NodeReader.Child(path, f["batch"].Name)),
        };
    }

    /// <summary><c>batch</c>: <c>maxKeys</c> (1..10000), <c>targetSeconds</c> (a number above 0), <c>delimiter</c> (not empty, a space if left out); in either scheduler mode.</summary>
    private Batch? Batch(JsonObject? o, string path)
    {
        if (o is null)
        {
            return null;
        }

        var f = ManifestFields.Batch;
        r.OnlyKnown(o, path, f);
        var maxKeys = (int?)r.Integer(o, f["maxKeys"], path, 1, Model.Batch.MaxMaxKeys);
        double? target = null;
        if (o[f["targetSeconds"].Name] is { } t)
        {
            if (t is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && double.IsFinite(seconds))
            {
                target = seconds;
            }
            else
            {
                r.Problem(NodeReader.Child(path, f["targetSeconds"].Name), $"expected a number of seconds above 0, got {NodeReader.Describe(t)}");
            }
        }

        var delimiter = r.String(o, f["delimiter"], path);
        if (delimiter is { Length: 0 })
        {
            r.Problem(NodeReader.Child(path, f["delimiter"].Name), "must not be empty (leave it out for a space)");
        }

        if (maxKeys is null && target is null && o[f["maxKeys"].Name] is null && o[f["targetSeconds"].Name] is null)
        {
            r.Problem(path, "needs maxKeys or targetSeconds (or both)");
        }

        return new Batch(maxKeys, target, string.IsNullOrEmpty(delimiter) ? " " : delimiter);
    }

    /// <summary><c>scheduler.mode</c>: <c>static</c> (the default) or <c>queue</c>.</summary>
    private SchedulerMode Mode(JsonObject scheduler, string schedulerPath)
    {
        var mode = ManifestFields.Scheduler["mode"];
        switch (r.String(scheduler, mode, schedulerPath))
        {
            case null or "static":
                return SchedulerMode.Static;
            case "queue":
                return SchedulerMode.Queue;
            case var other:
                r.Problem(NodeReader.Child(schedulerPath, mode.Name), $"expected \"static\" or \"queue\", got \"{Printable.Escape(other)}\"");
                return SchedulerMode.Static;
        }
    }

    /// <summary><c>retest</c>: true (one rerun, as the original), false, or a number of reruns.</summary>
    private int Reruns(JsonObject o, string path)
    {
        var retest = ManifestFields.Strategy["retest"];
        var node = o[retest.Name];
        if (node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            return (int)(r.Integer(o, retest, path, 0, Model.Strategy.MaxReruns) ?? 0);
        }

        if (node is null || node is JsonValue { } b && b.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False)
        {
            return r.Boolean(o, retest, path) ? 1 : 0;
        }

        r.Problem(NodeReader.Child(path, retest.Name), $"expected true, false or a number of reruns (0 to {Model.Strategy.MaxReruns}), got {NodeReader.Describe(node)}");
        return 0;
    }

    /// <summary><c>key.timeout</c>: a Go duration (<c>90s</c>, <c>1.5m</c>, <c>1h30m</c>) or whole seconds, at most <see cref="Model.Strategy.MaxKeyTimeout"/>; the watchdog counts whole seconds, so a part of one rounds up.</summary>
    private TimeSpan? Timeout(JsonObject key, string keyPath)
    {
        var field = ManifestFields.Key["timeout"];
        if (r.String(key, field, keyPath) is not { } text)
        {
            return null;
        }

        if (!GoDuration.TryParse(text, out var timeout))
        {
            r.Problem(NodeReader.Child(keyPath, field.Name), GoDuration.Expected(text));
            return null;
        }

        if (timeout > Model.Strategy.MaxKeyTimeout)
        {
            r.Problem(NodeReader.Child(keyPath, field.Name), GoDuration.AtMost(Model.Strategy.MaxKeyTimeout, text));
            return null;
        }

        return GoDuration.WholeSecondsUp(timeout);
    }

    private DynamicKeySource? Dynamic(JsonObject? node, string path)
    {
        var f = ManifestFields.Dynamic;
        if (Known(node, path, f) is not { } o)
        {
            return null;
        }

        var template = TemplateOf(o, f, path);
        var delimiter = r.String(o, f["delimiter"], path);
        if (delimiter is { Length: 0 })
        {
            r.Problem(NodeReader.Child(path, f["delimiter"].Name), "must not be empty (leave it out for a new line)");
        }

        return template is null
            ? null
            : new DynamicKeySource(
                template,
                string.IsNullOrEmpty(delimiter) ? "\n" : delimiter,
                r.String(o, f["filter"], path),
                (int?)r.Integer(o, f["ttlSecondsAfterFinished"], path, 0, int.MaxValue));
    }
}

using System.Text.Json.Nodes;

namespace Kubetest.Cli.Tests;

/// <summary>
/// The controller with exactly the Role of <c>deploy/controller/role.yaml</c> less one verb: whichever verb it is,
/// the controller says what it could not do (its log, and the TestJob's status when it can write it) and keeps running.
/// </summary>
public sealed class ControllerRbacTests(ControllerCluster cluster) : IClassFixture<ControllerCluster>
{
    /// <summary>Every "verb resource" the Role grants, read from the file the Deployment uses.</summary>
    public static TheoryData<string> Verbs()
    {
        var role = YamlJson.Parse(File.ReadAllText(Path.Combine(CliRunner.RepositoryRoot, "deploy", "controller", "role.yaml")))!;
        var data = new TheoryData<string>();
        foreach (var rule in role["rules"]!.AsArray())
        {
            foreach (var resource in rule!["resources"]!.AsArray())
            {
                foreach (var verb in rule["verbs"]!.AsArray())
                {
                    data.Add($"{verb} {resource}");
                }
            }
        }

        return data;
    }

    /// <summary>
    /// One namespace where every verb of the Role is needed: a Lease to take (get, create; update to take over the
    /// expired one of another replica), a TestJob a killed controller left Running (list jobs), a timing store to
    /// update, and a TestJob with a token from a Secret and two keys.
    /// </summary>
    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task Without_any_one_verb_the_controller_names_what_it_may_not_do_once_and_keeps_running(string revoked)
    {
        var ns = "rbac-" + revoked.Replace(' ', '-').Replace('/', '-');
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        cluster.Emulator.CreateSecret(ns, "token", new Dictionary<string, string> { ["token"] = "t0k3n-" + Guid.NewGuid().ToString("N") });
        await cluster.KubectlAsync("apply", "-f", cli.Write("store.yaml", $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubetest-timings-guarded\n  namespace: {ns}\n"));
        if (revoked == "update leases")
        {
            // Taking over a Lease another replica held is an update (a first one is a create: every other case).
            await cluster.KubectlAsync("apply", "-f", cli.Write("lease.yaml", $"apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: kubetest-controller\n  namespace: {ns}\nspec:\n  holderIdentity: gone\n  leaseDurationSeconds: 15\n  acquireTime: \"2026-01-01T00:00:00.000000Z\"\n  renewTime: \"2026-01-01T00:00:00.000000Z\"\n"));
        }

        await cluster.KubectlAsync("apply", "-f", cli.Write("orphan.yaml", Manifests.Single("true").Replace("name: e2e\n", $"name: orphan\n  namespace: {ns}\n", StringComparison.Ordinal)));
        await cluster.KubectlAsync("patch", "testjob", "orphan", "-n", ns, "--subresource=status", "--type=merge", "-p", "{\"status\":{\"phase\":\"Running\"}}");
        var manifest = Manifests.Strategy(
            ["a", "b"],
            "test -s /secrets/token",
            scheduler: "maxContainersPerPod: 2",
            extraSpec: "tokens:\n  - name: tok\n    value:\n      githubToken:\n        name: token\n        key: token",
            extraPodSpec: "volumes:\n  - name: tok\n    token:\n      name: tok",
            extraContainer: "volumeMounts:\n  - name: tok\n    mountPath: /secrets/token")
            .Replace("name: e2e\n", $"name: guarded\n  namespace: {ns}\n", StringComparison.Ordinal);
        var resource = revoked.Split(' ')[1];
        cluster.Emulator.Options.RevokedVerbs.Add(revoked);
        try
        {
            await using var controller = cluster.StartController(cli, ns);
            await cluster.KubectlAsync("apply", "-f", cli.Write("job.yaml", manifest));

            // Until both TestJobs have ended, or 10 s after a line said what was refused (a TestJob whose status may
            // not be written never ends); then long enough for a repeat of that line.
            var statuses = new Dictionary<string, string>();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var refusedAt = (DateTime?)null;
            while (statuses.Count < 2 && (refusedAt is null || DateTime.UtcNow - refusedAt < TimeSpan.FromSeconds(10)) && !limit.IsCancellationRequested)
            {
                await ReadStatusesAsync(ns, statuses);
                refusedAt ??= Refused(controller.StderrLines, resource).Any() ? DateTime.UtcNow : null;
                await Task.Delay(200);
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
            await ReadStatusesAsync(ns, statuses);
            var lines = controller.StderrLines;

            Assert.False(controller.HasExited, controller.Stderr);
            // A pod already running when it is first listed needs no watch: without "watch pods" such a run simply
            // passes, and nothing was refused. Every other verb is needed by this namespace every time.
            var neverNeeded = revoked == "watch pods" && statuses.GetValueOrDefault("guarded") == "2 of 2 keys passed";
            Assert.True(neverNeeded || Refused(lines, resource).Any(), $"no line says that {revoked} was refused\n{controller.Stderr}");
            var own = lines.Where(l => l.StartsWith("[ERROR]", StringComparison.Ordinal) || l.StartsWith("[WARN]", StringComparison.Ordinal)).ToList();
            Assert.True(own.Count == own.Distinct().Count(), $"a line repeated\n{controller.Stderr}");

            // A TestJob the refusal concerned says it in its status, when the controller could write one.
            foreach (var (name, message) in statuses)
            {
                var concerned = Refused(lines, resource).Any(l => l.Contains($"{ns}/{name}", StringComparison.Ordinal));
                Assert.True(!concerned || Refused([message], resource).Any(), $"{name}: {message}\n{controller.Stderr}");
            }
        }
        finally
        {
            cluster.Emulator.Options.RevokedVerbs.Remove(revoked);
        }
    }

    private async Task ReadStatusesAsync(string ns, Dictionary<string, string> statuses)
    {
        foreach (var name in new[] { "guarded", "orphan" })
        {
            if (await cluster.TestJobAsync(ns, name) is { } job && ControllerCluster.Phase(job) is "Succeeded" or "Failed" or "Error")
            {
                statuses[name] = job.GetProperty("status").GetProperty("message").GetString()!;
            }
        }
    }

    /// <summary>Lines that say a call on <paramref name="resource"/> was refused.</summary>
    private static IEnumerable<string> Refused(IEnumerable<string> lines, string resource) => lines.Where(l =>
        (l.Contains("forbidden", StringComparison.Ordinal) || l.Contains(" 403", StringComparison.Ordinal))
        && l.Contains(resource.Split('/')[^1], StringComparison.OrdinalIgnoreCase));
}

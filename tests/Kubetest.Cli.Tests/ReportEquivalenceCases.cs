namespace Kubetest.Cli.Tests;

/// <summary>One manifest of <see cref="ReportEquivalenceTests"/>: <see cref="Arguments"/> writes what it needs into the test's directory and returns the CLI's arguments.</summary>
/// <param name="Parallel">Keys run side by side (several slots or pods), so their finishing order, the report's order, is a race.</param>
/// <param name="JUnitByRuntime">The JUnit messages legitimately differ by runtime, so each runtime has its own expected JUnit file.</param>
internal sealed record ReportEquivalenceCase(
    string Name, Func<CliRunner, Runtimes, RuntimeKind, string[]> Arguments, bool SharesHostFiles = false, bool Parallel = false, bool JUnitByRuntime = false);

/// <summary>
/// Every example, and one small manifest per way keys are handed out. Each is deterministic: a failing key, fail-fast
/// or a batch runs on one slot wherever order would otherwise race, and no key's output names its pod or slot.
/// </summary>
internal static class ReportEquivalenceCases
{
    private const string OneSlot = "maxConcurrentNumPerPod: 1";

    public static readonly IReadOnlyList<ReportEquivalenceCase> All =
    [
        Example("simple"),
        Example("prestep"),
        Example("strategy-static", parallel: true),
        Example("strategy-dynamic", parallel: true),
        Example("agent"),
        new("export-artifact", (cli, _, _) =>
        {
            var export = Path.Combine(cli.Root, "artifacts");
            var text = File.ReadAllText(CliRunner.Example("export-artifact.yaml")).Replace("path: /tmp/artifacts", $"path: {export}", StringComparison.Ordinal);
            return [cli.Write("export.yaml", text)];
        }, Parallel: true),
        new("public-repo", (cli, _, _) => ["--template", $"repo={RepositoryTests.CreateRepository(cli.Root)}", CliRunner.Example("public-repo.yaml")]),

        // A real cluster would need the Secret created by hand.
        new("private-repo", PrivateRepository, SharesHostFiles: true),

        // 4 keys, 2 per pod: "bad" fails its run and its retest, "wobbly" fails once and is flaky.
        Retest("static-retest", ["a", "bad", "wobbly", "d"], $"maxContainersPerPod: 2\n{OneSlot}"),

        // One slot: "bad" fails first, so k3 and k4 never start.
        Mode("static-fail-fast", Manifests.Strategy(
            ["bad", "k2", "k3", "k4"], "echo ran $TASK_KEY; test $TASK_KEY != bad", scheduler: $"maxContainersPerPod: 10\n{OneSlot}", extraStrategy: "failFast: true")),

        // One batch of k1..k4 whose JUnit file passes k1 and fails k2, naming neither k3 nor k4: they run again together and pass.
        Mode("static-batch-junit", Manifests.Strategy(
            ["k1", "k2", "k3", "k4"],
            string.Join("; ", [
                "echo ran $TASK_KEY",
                "case \" $TASK_KEY \" in *\" k1 \"*) printf '<testsuite><testcase classname=\"k1\" name=\"t\"/><testcase classname=\"k2\" name=\"t\"><failure/></testcase></testsuite>' > \"${KUBETEST_JUNIT:-/dev/null}\";; esac",
                "case \" $TASK_KEY \" in *\" k2 \"*) exit 1;; esac",
            ]),
            scheduler: $"maxContainersPerPod: 10\n{OneSlot}",
            extraStrategy: "batch:\n  maxKeys: 4")),

        // Two pods take keys from one queue; "bad" fails on whichever worker takes it, and again on its retest; "wobbly" is flaky.
        Retest("queue-retest", ["a", "bad", "wobbly", "d", "e"], $"mode: queue\nmaxPodNum: 2\n{OneSlot}"),

        // One worker takes batches of 2: the batch holding "bad" fails, so its keys run again alone.
        Mode("queue-batch", Manifests.Strategy(
            ["a", "b", "bad", "d", "e"], "echo ran $TASK_KEY; case \" $TASK_KEY \" in *\" bad \"*) exit 1;; esac", scheduler: $"mode: queue\nmaxPodNum: 1\n{OneSlot}", extraStrategy: "batch:\n  maxKeys: 2")),

        // --key-timeout ends "slow"; the next key takes its slot.
        new("key-timeout", (cli, _, _) => ["--key-timeout", "2s", cli.Write("key-timeout.yaml", Manifests.Strategy(
            ["slow", "quick"], "echo ran $TASK_KEY; if [ $TASK_KEY = slow ]; then sleep 600; fi", scheduler: $"maxContainersPerPod: 10\n{OneSlot}"))]),

        // The pod's init container fails, so no key can run: each ends as an error. The error's message is the runtime's
        // own: the local runtime ran the init container itself and quotes its output, Kubernetes gives the pod's status.
        Mode("pod-cannot-start", Manifests.Strategy(
            ["a", "b"], "echo ran $TASK_KEY", extraPodSpec: "initContainers:\n  - name: broken\n    image: alpine\n    command: [\"sh\", \"-c\", \"echo init fails; exit 3\"]")) with { JUnitByRuntime = true },

        // Keys printed by a command, two pods, one key failing.
        Mode("dynamic-keys", Dynamic(), parallel: true),
    ];

    public static TheoryData<string, RuntimeKind> Names()
    {
        var data = new TheoryData<string, RuntimeKind>();
        foreach (var c in All)
        {
            foreach (var runtime in Runtimes.Both)
            {
                data.Add(c.Name, runtime);
            }
        }

        return data;
    }

    private static ReportEquivalenceCase Example(string name, bool parallel = false) =>
        new(name, (_, _, _) => [CliRunner.Example(name + ".yaml")], Parallel: parallel);

    private static ReportEquivalenceCase Mode(string name, string manifest, bool parallel = false) =>
        new(name, (cli, _, _) => [cli.Write(name + ".yaml", manifest)], Parallel: parallel);

    /// <summary>Keys over several pods with <c>retest</c>: "bad" always fails, "wobbly" only the first time (a hostPath file remembers).</summary>
    private static ReportEquivalenceCase Retest(string name, string[] keys, string scheduler) => new(
        name,
        (cli, _, _) =>
        {
            var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
            return [cli.Write(name + ".yaml", Manifests.Strategy(
                keys,
                "echo ran $TASK_KEY; if [ $TASK_KEY = wobbly ] && [ ! -e /state/wobbly ]; then touch /state/wobbly; exit 1; fi; test $TASK_KEY != bad",
                scheduler,
                extraStrategy: "retest: true",
                extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
                extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"))];
        },
        SharesHostFiles: true,
        Parallel: true);

    private static string[] PrivateRepository(CliRunner cli, Runtimes runtimes, RuntimeKind runtime)
    {
        var token = "ghs_" + Guid.NewGuid().ToString("N");
        return ["--template", $"repo={RepositoryTests.CreateRepository(cli.Root)}", .. RepositoryTests.GitHubTokenSecret(cli, runtimes, runtime, token), CliRunner.Example("private-repo.yaml")];
    }

    private static string Dynamic() => """
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: dynamic-keys
        spec:
          mainStep:
            strategy:
              key:
                env: TASK_KEY
                source:
                  dynamic:
                    template:
                      metadata:
                        generateName: keys-
                      spec:
                        containers:
                          - name: key
                            image: alpine
                            command: ["sh", "-c", "printf 'k1\\nbad\\nk3\\nk4\\n'"]
              scheduler:
                maxContainersPerPod: 2
                maxConcurrentNumPerPod: 1
            template:
              metadata:
                generateName: dynamic-keys-
              spec:
                containers:
                  - name: test
                    image: alpine
                    command: ["sh", "-c", "echo ran $TASK_KEY; test $TASK_KEY != bad"]
        """;
}

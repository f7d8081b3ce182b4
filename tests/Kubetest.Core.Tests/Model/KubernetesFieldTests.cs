using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>Typos inside the Kubernetes parts of a manifest are warned about with their path and line, like kubetest's own.</summary>
public class KubernetesFieldTests
{
    private const string WithTypos = """
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: typos
          lables:
            team: ci
        spec:
          mainStep:
            template:
              main: test
              metadata:
                generateName: typos-
              spec:
                restartPolicy: Never
                nodeSelektor:
                  disk: ssd
                securityContext:
                  runAsUser: 1000
                  runAsGroop: 1000
                containers:
                  - name: test
                    image: alpine
                    command: [echo]
                    workDir: /work
                    args: [hello]
                    env:
                      - name: A
                        valu: x
                    resources:
                      limits:
                        cpu: "1"
                      request:
                        cpu: "1"
                    volumeMounts:
                      - name: cache
                        mountPath: /cache
                        readonly: true
                    agent:
                      installedPath: /bin/agent
                  - name: side
                    image: alpine
                    comand: [sleep, "1"]
                volumes:
                  - name: cache
                    emptyDir:
                      medium: Memory
                      sizeLimt: 1Gi
                  - name: logs
                    log: {}
        """;

    [Fact]
    public void Every_unknown_field_inside_a_Kubernetes_part_is_a_warning_with_its_path_and_line()
    {
        var loaded = ManifestLoader.Load(WithTypos, "typos.yaml", new Dictionary<string, string>());

        Assert.Equal(
            [
                ("metadata.lables", Line("lables:")),
                ("spec.mainStep.template.spec.nodeSelektor", Line("nodeSelektor:")),
                ("spec.mainStep.template.spec.securityContext.runAsGroop", Line("runAsGroop:")),
                ("spec.mainStep.template.spec.containers[0].workDir", Line("workDir:")),
                ("spec.mainStep.template.spec.containers[0].env[0].valu", Line("valu:")),
                ("spec.mainStep.template.spec.containers[0].resources.request", Line("request:")),
                ("spec.mainStep.template.spec.containers[0].volumeMounts[0].readonly", Line("readonly:")),
                ("spec.mainStep.template.spec.containers[1].comand", Line("comand:")),
                ("spec.mainStep.template.spec.volumes[0].emptyDir.sizeLimt", Line("sizeLimt:")),
            ],
            loaded.Warnings.Select(w => (w.Path, w.Line ?? 0)).OrderBy(w => w.Item2));
        Assert.Equal(
            [
                "unknown field in a Kubernetes ObjectMeta, ignored; did you mean `labels`?",
                "unknown field in a Kubernetes PodSpec, ignored; did you mean `nodeSelector`?",
                "unknown field in a Kubernetes PodSecurityContext, ignored; did you mean `runAsGroup`?",
                "unknown field in a Kubernetes Container, ignored; did you mean `workingDir`?",
                "unknown field in a Kubernetes EnvVar, ignored; did you mean `value`?",
                "unknown field in a Kubernetes ResourceRequirements, ignored; did you mean `requests`?",
                "unknown field in a Kubernetes VolumeMount, ignored; did you mean `readOnly`?",
                "unknown field in a Kubernetes Container, ignored; did you mean `command`?",
                "unknown field in a Kubernetes EmptyDirVolumeSource, ignored; did you mean `sizeLimit`?",
            ],
            loaded.Warnings.OrderBy(w => w.Line).Select(w => w.Message));
        Assert.Contains(loaded.Warnings, w => w.ToString() == $"spec.mainStep.template.spec.containers[1].comand (line {Line("comand:")}): unknown field in a Kubernetes Container, ignored; did you mean `command`?");
    }

    [Fact]
    public void Known_fields_of_every_shape_are_not_warned_about()
    {
        // Maps (labels, nodeSelector, limits), lists of objects, IntOrString, quantities, nested objects.
        var manifest = """
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata:
              name: fine
              labels: {any-key: x, "with.dots/and-slash": y}
              annotations: {a: b}
            spec:
              mainStep:
                template:
                  metadata:
                    generateName: fine-
                    labels: {app: fine}
                  spec:
                    nodeSelector: {disk: ssd}
                    tolerations:
                      - key: k
                        operator: Exists
                        effect: NoSchedule
                    affinity:
                      nodeAffinity:
                        requiredDuringSchedulingIgnoredDuringExecution:
                          nodeSelectorTerms:
                            - matchExpressions:
                                - {key: a, operator: In, values: [b]}
                    containers:
                      - name: test
                        image: alpine
                        command: [sh, -c]
                        args: [echo hi]
                        workingDir: /work
                        env:
                          - name: A
                            valueFrom:
                              secretKeyRef: {name: s, key: k}
                        ports:
                          - containerPort: 8080
                        readinessProbe:
                          httpGet: {path: /, port: http}
                        resources:
                          limits: {cpu: "1", memory: 1Gi, nvidia.com/gpu: 1}
                          requests: {cpu: 500m}
                        securityContext:
                          capabilities: {add: [NET_ADMIN]}
                    volumes:
                      - name: cache
                        emptyDir: {sizeLimit: 1Gi}
                      - name: cfg
                        configMap:
                          name: c
                          items: [{key: a, path: b}]
            """;

        var loaded = ManifestLoader.Load(manifest, "fine.yaml", new Dictionary<string, string>());

        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void A_warned_field_does_not_stop_the_manifest_from_loading()
    {
        var loaded = ManifestLoader.Load(WithTypos, "typos.yaml", new Dictionary<string, string>());

        var sidecar = loaded.Job.Spec.MainStep.Template.Spec.Containers.Single(c => c.Container.Name == "side").Container;
        Assert.Null(sidecar.Command);
        Assert.Equal(["echo"], loaded.Job.Spec.MainStep.Template.MainContainer.Container.Command);
    }

    private static int Line(string field) => 1 + WithTypos.Split('\n').ToList().FindIndex(l => l.TrimStart().StartsWith(field, StringComparison.Ordinal));
}

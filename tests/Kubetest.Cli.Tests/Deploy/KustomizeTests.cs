using k8s;
using k8s.Models;

namespace Kubetest.Cli.Tests.Deploy;

/// <summary>`kubectl kustomize deploy` and `deploy/all-namespaces` print the objects that run the controller, with the rules it needs and no more.</summary>
public class KustomizeTests
{
    // The controller's rules (issue 20), one line each; the emulator's RbacTests keep its identity equal to the file.
    private static readonly string[] ControllerRules =
    [
        "kubetest.io testjobs: get,list,update,watch",
        "kubetest.io testjobs/status: patch",
        "batch jobs: create,delete,list",
        " pods: delete,list,watch",
        " pods/exec: create",
        " secrets: get",
        " configmaps: create,get,update",
        " events: create",
        "coordination.k8s.io leases: create,get,update",
    ];

    [Fact]
    public async Task Deploy_prints_the_crd_and_the_namespaced_controller_with_no_namespace_of_its_own()
    {
        var objects = await DeployFiles.KustomizeAsync("deploy");

        Assert.Equal(
            ["CustomResourceDefinition testjobs.kubetest.io", "ServiceAccount kubetest-controller", "Role kubetest-controller", "RoleBinding kubetest-controller", "Deployment kubetest-controller"],
            objects.Select(o => $"{o.Kind} {Name(o)}"));
        Assert.All(objects, o => Assert.Null(((IMetadata<V1ObjectMeta>)o).Metadata.NamespaceProperty));
        Assert.Equal(ControllerRules, Rules(objects.OfType<V1Role>().Single().Rules));
        var binding = objects.OfType<V1RoleBinding>().Single();
        Assert.Equal(("Role", "kubetest-controller"), (binding.RoleRef.Kind, binding.RoleRef.Name));
        Assert.Equal(("ServiceAccount", "kubetest-controller", null), Subject(binding.Subjects));
        Assert.Equal(["controller", "--in-cluster", "--namespace", "$(POD_NAMESPACE)"], Container(objects).Args);
    }

    [Fact]
    public async Task All_namespaces_grants_the_same_rules_cluster_wide_to_the_service_account_of_its_namespace()
    {
        var objects = await DeployFiles.KustomizeAsync("deploy/all-namespaces");

        Assert.Equal(
            ["Namespace kubetest-system", "ServiceAccount kubetest-controller", "ClusterRole kubetest-controller", "ClusterRoleBinding kubetest-controller", "Deployment kubetest-controller"],
            objects.Select(o => $"{o.Kind} {Name(o)}"));
        Assert.Equal(ControllerRules, Rules(objects.OfType<V1ClusterRole>().Single().Rules));
        var binding = objects.OfType<V1ClusterRoleBinding>().Single();
        Assert.Equal(("ClusterRole", "kubetest-controller"), (binding.RoleRef.Kind, binding.RoleRef.Name));
        Assert.Equal(("ServiceAccount", "kubetest-controller", "kubetest-system"), Subject(binding.Subjects));
        Assert.Equal("kubetest-system", objects.OfType<V1ServiceAccount>().Single().Metadata.NamespaceProperty);
        Assert.Equal("kubetest-system", objects.OfType<V1Deployment>().Single().Metadata.NamespaceProperty);
        Assert.Equal(["controller", "--in-cluster", "--all-namespaces", "--lease-namespace", "$(POD_NAMESPACE)"], Container(objects).Args);
    }

    [Theory]
    [InlineData("deploy")]
    [InlineData("deploy/all-namespaces")]
    public async Task The_controller_runs_non_root_read_only_without_capabilities_and_names_itself_by_its_pod(string directory)
    {
        var deployment = (await DeployFiles.KustomizeAsync(directory)).OfType<V1Deployment>().Single();
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        Assert.Equal(1, deployment.Spec.Replicas);
        Assert.Equal("kubetest-controller", pod.ServiceAccountName);
        Assert.Equal((true, "RuntimeDefault"), (pod.SecurityContext.RunAsNonRoot, pod.SecurityContext.SeccompProfile.Type));
        Assert.Equal((false, true, null), (container.SecurityContext.AllowPrivilegeEscalation, container.SecurityContext.ReadOnlyRootFilesystem, container.SecurityContext.Privileged));
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Null(container.SecurityContext.Capabilities.Add);
        Assert.Null(pod.HostNetwork);
        Assert.Null(container.LivenessProbe);
        Assert.Equal([("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("KUBETEST_CONTROLLER_SERVICE_ACCOUNT", "spec.serviceAccountName")], container.Env.Where(e => e.ValueFrom is not null).Select(e => (e.Name, e.ValueFrom.FieldRef.FieldPath)));
        var tmp = Assert.Single(container.VolumeMounts);
        Assert.Equal("/tmp", tmp.MountPath);
        Assert.NotNull(Assert.Single(pod.Volumes, v => v.Name == tmp.Name).EmptyDir);
        Assert.All(pod.Volumes, v => Assert.Null(v.HostPath));
        Assert.Equal(["cpu", "memory"], container.Resources.Requests.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("memory", container.Resources.Limits.Keys);
        Assert.Equal("kubetest:dev", container.Image);
    }

    [Fact]
    public async Task No_rule_uses_a_wildcard_or_lets_the_controller_list_or_watch_secrets()
    {
        var rules = (await DeployFiles.KustomizeAsync("deploy")).OfType<V1Role>().Single().Rules;

        Assert.All(rules, r => Assert.DoesNotContain("*", r.ApiGroups.Concat(r.Resources).Concat(r.Verbs)));
        Assert.All(rules, r => Assert.Null(r.ResourceNames));
        Assert.Equal(["get"], Assert.Single(rules, r => r.Resources.Contains("secrets")).Verbs);
    }

    private static string Name(IKubernetesObject o) => ((IMetadata<V1ObjectMeta>)o).Metadata.Name;

    private static IEnumerable<string> Rules(IEnumerable<V1PolicyRule> rules) =>
        rules.Select(r => $"{string.Join(',', r.ApiGroups)} {string.Join(',', r.Resources)}: {string.Join(',', r.Verbs.Order(StringComparer.Ordinal))}");

    private static (string, string, string?) Subject(IList<Rbacv1Subject> subjects)
    {
        var subject = Assert.Single(subjects);
        return (subject.Kind, subject.Name, subject.NamespaceProperty);
    }

    private static V1Container Container(IEnumerable<IKubernetesObject> objects) =>
        Assert.Single(objects.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers);
}

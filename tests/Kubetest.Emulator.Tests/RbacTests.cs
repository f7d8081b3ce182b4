using YamlDotNet.RepresentationModel;

namespace Kubetest.Emulator.Tests;

/// <summary>The emulator's kubetest and controller identities are exactly the Roles users apply, so a right either needs cannot be missing from one only.</summary>
public class RbacTests
{
    [Fact]
    public void The_kubetest_identity_has_exactly_the_rules_of_deploy_rbac_yaml()
    {
        Assert.Equal(RulesOf("Role", "deploy", "rbac.yaml"), Describe(Rbac.KubetestRole));
    }

    [Theory]
    [InlineData("Role", "deploy/controller/role.yaml")]
    [InlineData("ClusterRole", "deploy/all-namespaces/clusterrole.yaml")]
    public void The_controller_identity_has_exactly_the_rules_of_the_controllers_role_in_deploy(string kind, string file)
    {
        Assert.Equal(RulesOf(kind, file.Split('/')), Describe(Rbac.ControllerRole));
    }

    private static IEnumerable<string> RulesOf(string kind, params string[] path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(DeployFile(path))));
        var role = yaml.Documents.Select(d => (YamlMappingNode)d.RootNode).Single(n => n["kind"].ToString() == kind);
        return ((YamlSequenceNode)role["rules"]).Cast<YamlMappingNode>()
            .Select(r => Describe(Strings(r["apiGroups"]), Strings(r["resources"]), Strings(r["verbs"])));
    }

    private static string[] Strings(YamlNode node) => [.. ((YamlSequenceNode)node).Select(n => n.ToString())];

    private static IEnumerable<string> Describe(IEnumerable<PolicyRule> rules) => rules.Select(r => Describe(r.Groups, r.Resources, r.Verbs));

    private static string Describe(IEnumerable<string> groups, IEnumerable<string> resources, IEnumerable<string> verbs) =>
        $"{string.Join(',', groups)} {string.Join(',', resources)}: {string.Join(',', verbs.Order(StringComparer.Ordinal))}";

    private static string DeployFile(string[] path)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine([dir.FullName, .. path]);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(string.Join('/', path) + " above " + AppContext.BaseDirectory);
    }
}

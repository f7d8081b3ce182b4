using YamlDotNet.RepresentationModel;

namespace Kubetest.Emulator.Tests;

/// <summary>The kubetest identity of the emulator is exactly the Role users apply, so a right kubetest needs cannot be missing from one only.</summary>
public class RbacTests
{
    [Fact]
    public void The_kubetest_identity_has_exactly_the_rules_of_deploy_rbac_yaml()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(RbacYaml())));
        var role = yaml.Documents.Select(d => (YamlMappingNode)d.RootNode).Single(n => n["kind"].ToString() == "Role");
        var rules = ((YamlSequenceNode)role["rules"]).Cast<YamlMappingNode>()
            .Select(r => Describe(Strings(r["apiGroups"]), Strings(r["resources"]), Strings(r["verbs"])));

        Assert.Equal(rules, Rbac.KubetestRole.Select(r => Describe(r.Groups, r.Resources, r.Verbs)));
    }

    private static string[] Strings(YamlNode node) => [.. ((YamlSequenceNode)node).Select(n => n.ToString())];

    private static string Describe(IEnumerable<string> groups, IEnumerable<string> resources, IEnumerable<string> verbs) =>
        $"{string.Join(',', groups)} {string.Join(',', resources)}: {string.Join(',', verbs.Order(StringComparer.Ordinal))}";

    private static string RbacYaml()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "deploy", "rbac.yaml");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException("deploy/rbac.yaml above " + AppContext.BaseDirectory);
    }
}

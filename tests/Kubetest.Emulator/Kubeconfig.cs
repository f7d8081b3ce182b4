using System.Text;

namespace Kubetest.Emulator;

internal static class Kubeconfig
{
    /// <summary>A kubeconfig with one context per identity; <paramref name="current"/> is the current one.</summary>
    public static string Render(Uri server, string caPem, IEnumerable<Identity> identities, string current)
    {
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem));
        var text = new StringBuilder();
        text.Append("apiVersion: v1\nkind: Config\n");
        text.Append("clusters:\n- name: emulator\n  cluster:\n");
        text.Append("    server: ").Append(server.ToString().TrimEnd('/')).Append('\n');
        text.Append("    certificate-authority-data: ").Append(ca).Append('\n');
        text.Append("users:\n");
        foreach (var identity in identities)
        {
            text.Append("- name: ").Append(identity.Name).Append("\n  user:\n    token: ").Append(identity.Token).Append('\n');
        }

        text.Append("contexts:\n");
        foreach (var identity in identities)
        {
            text.Append("- name: ").Append(identity.Name).Append("\n  context:\n    cluster: emulator\n    user: ").Append(identity.Name).Append("\n    namespace: default\n");
        }

        text.Append("current-context: ").Append(current).Append('\n');
        return text.ToString();
    }
}

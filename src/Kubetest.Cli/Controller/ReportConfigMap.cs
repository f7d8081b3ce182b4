using System.Text;
using k8s.Models;

namespace Kubetest.Cli.Controller;

/// <summary>
/// The ConfigMap <c>kubetest-report-&lt;testjob&gt;</c> with a run's JSON report (<c>report.json</c>) and JUnit XML
/// (<c>junit.xml</c>). A ConfigMap holds at most 1 MiB: what does not fit plainly is gzip-compressed in
/// <c>binaryData</c> (<c>report.json.gz</c>, <c>junit.xml.gz</c>); a JUnit that does not fit even so is left out
/// (the report is the record), and the ConfigMap says so in its annotation.
/// </summary>
internal static class ReportConfigMap
{
    public const string Prefix = "kubetest-report-";
    public const string OmittedAnnotation = "kubetest.io/omitted";

    /// <summary>Below the API server's 1 MiB for the whole object, with room for its metadata.</summary>
    public const int MaxBytes = 900_000;

    public static V1ConfigMap Build(TestJobObject resource, RunOutcome outcome)
    {
        var map = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta { Name = Runtime.Kubernetes.ConfigMapNames.For(resource.Name, Prefix), NamespaceProperty = resource.Namespace },
            Data = new Dictionary<string, string>(StringComparer.Ordinal),
            BinaryData = new Dictionary<string, byte[]>(StringComparer.Ordinal),
        };
        var used = 0;
        var omitted = new List<string>();
        foreach (var (name, text) in new[] { ("report.json", outcome.Report.ToJson() + "\n"), ("junit.xml", outcome.JUnit) })
        {
            var plain = Encoding.UTF8.GetByteCount(text);
            if (used + plain <= MaxBytes)
            {
                map.Data[name] = text;
                used += plain;
                continue;
            }

            var packed = Runtime.Kubernetes.ConfigMapTimingStore.Gzip(Encoding.UTF8.GetBytes(text));
            // binaryData travels base64: 4 bytes for every 3.
            var size = (packed.Length + 2) / 3 * 4;
            if (used + size <= MaxBytes)
            {
                map.BinaryData[name + ".gz"] = packed;
                used += size;
            }
            else
            {
                omitted.Add(name);
            }
        }

        if (omitted.Count > 0)
        {
            map.Metadata.Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [OmittedAnnotation] = $"{string.Join(", ", omitted)}: too large for a ConfigMap even compressed" };
        }

        return map;
    }
}

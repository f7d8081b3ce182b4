using System.Xml;

namespace Kubetest.Reporting;

/// <summary>
/// XML kubetest did not write (a batch's JUnit, a <c>--timings</c> file): read without a DTD, so no entity is ever
/// expanded and nothing outside the file is fetched, and each refusal said in words a user can act on.
/// </summary>
public static class XmlInput
{
    public static XmlReaderSettings Settings() => new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };

    /// <summary>Why <paramref name="xml"/> cannot be read, or null when it is well-formed XML without a DTD.</summary>
    public static string? Problem(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), Settings());
            while (reader.Read())
            {
            }

            return null;
        }
        catch (XmlException ex)
        {
            return Reason(ex, xml);
        }
    }

    /// <summary>What <paramref name="ex"/>, thrown while reading <paramref name="xml"/> with <see cref="Settings"/>, means.</summary>
    public static string Reason(XmlException ex, string xml)
    {
        ArgumentNullException.ThrowIfNull(ex);
        ArgumentNullException.ThrowIfNull(xml);

        // The reader refuses a DTD without a line (0), or at the DOCTYPE's own line: not a "<!DOCTYPE" in a later comment.
        var doctype = xml.IndexOf("<!DOCTYPE", StringComparison.Ordinal);
        if (doctype >= 0 && (ex.LineNumber == 0 || LineAt(xml, doctype) == ex.LineNumber))
        {
            return $"it has a DTD (<!DOCTYPE> at line {LineAt(xml, doctype)}), which is not allowed: kubetest expands no entities";
        }

        return $"it is not well-formed XML at line {ex.LineNumber}, position {ex.LinePosition}";
    }

    private static int LineAt(string text, int index) => 1 + text.AsSpan(0, index).Count('\n');
}

using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace Kubetest.Model;

/// <summary>
/// Manifest text (YAML or JSON, which is YAML too) as a JSON tree plus the line where each
/// field path starts, so that later errors can point at the line.
/// </summary>
public sealed partial class YamlTree
{
    private readonly Dictionary<string, int> _lines;
    private readonly Dictionary<string, string> _plainScalars;

    private YamlTree(JsonNode? root, Dictionary<string, int> lines, Dictionary<string, string> plainScalars)
    {
        Root = root;
        _lines = lines;
        _plainScalars = plainScalars;
    }

    /// <summary>The text of an unquoted number or boolean as written, e.g. <c>1.10</c> for a branch name.</summary>
    public string? PlainText(string path) => _plainScalars.GetValueOrDefault(path);

    public JsonNode? Root { get; }

    /// <summary>Whether the manifest has the field at <paramref name="path"/> itself (with any value, even none).</summary>
    public bool Has(string path) => _lines.ContainsKey(path);

    /// <summary>The line of <paramref name="path"/>, or of its nearest ancestor that has one.</summary>
    public int? LineOf(string path)
    {
        for (var p = path; ; p = Parent(p))
        {
            if (_lines.TryGetValue(p, out var line))
            {
                return line;
            }

            if (p.Length == 0)
            {
                return null;
            }
        }
    }

    public static YamlTree Parse(string text, string file)
    {
        var builder = new Builder(file);
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
                builder.Add(parser.Current!);
            }
        }
        catch (YamlException ex)
        {
            var reason = ex.InnerException?.Message ?? ex.Message;
            var (line, column) = ((int)ex.Start.Line, (int)ex.Start.Column);
            if (reason.Contains("tab", StringComparison.Ordinal) && TabIndentation(text, line) is var (tabLine, tabColumn))
            {
                // YamlDotNet marks the start of the enclosing mapping; point at the tab itself.
                (line, column) = (tabLine, tabColumn);
            }

            throw new ManifestException(file, [new ManifestProblem("", line, $"not valid YAML or JSON at line {line}, column {column}: {Printable.Escape(Trim(reason))}")]);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner reports some malformed input (an unclosed "[" before the next key) this way.
            var line = builder.LastLine;
            throw new ManifestException(file, [new ManifestProblem("", line, $"not valid YAML or JSON near line {line}: {Printable.Escape(ex.Message)}")]);
        }

        return builder.Finish();
    }

    /// <summary>The first line from <paramref name="fromLine"/> on whose indentation holds a tab, and the tab's column.</summary>
    private static (int Line, int Column)? TabIndentation(string text, int fromLine)
    {
        var lines = text.Split('\n');
        for (var i = Math.Max(fromLine, 1) - 1; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indent);
            if (tab >= 0)
            {
                return (i + 1, tab + 1);
            }
        }

        return null;
    }

    private static string Trim(string reason) =>
        reason.StartsWith("(Line:", StringComparison.Ordinal) && reason.Contains("):", StringComparison.Ordinal)
            ? reason[(reason.IndexOf("):", StringComparison.Ordinal) + 2)..].Trim()
            : reason;

    /// <summary>A scalar as YAML 1.2's core schema reads it; false for a number beyond what a double holds.</summary>
    private static bool TryScalar(YamlDotNet.Core.Events.Scalar scalar, out JsonValue? result)
    {
        result = Scalar(scalar.Value, scalar.Style);
        return result is null || result.GetValueKind() != System.Text.Json.JsonValueKind.Number || !result.TryGetValue<double>(out var d) || double.IsFinite(d);
    }

    private static JsonValue? Scalar(string value, ScalarStyle style)
    {
        if (style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (value is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (value is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (IntPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            // 1e400 parses as infinity, which no JSON writer accepts: TryScalar turns it into an error.
            return JsonValue.Create(d);
        }

        return JsonValue.Create(value);
    }

    internal static string Parent(string path)
    {
        var dot = path.LastIndexOf('.');
        var bracket = path.LastIndexOf('[');
        var cut = Math.Max(dot, bracket);
        return cut < 0 ? "" : path[..cut];
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}

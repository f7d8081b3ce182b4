using System.Text;
using System.Text.RegularExpressions;

namespace Kubetest.Model;

/// <summary>
/// The part of Go's text/template that manifests use: <c>{{ .name }}</c> (with optional
/// <c>-</c> trim markers) and comments. A missing parameter or any other action is an error,
/// never silent text. One pass over the text, so any input renders (or fails) in linear time,
/// and the result is bounded by <see cref="InputLimits.MaxManifestChars"/>.
/// </summary>
public static partial class GoTemplate
{
    public static string Render(string text, IReadOnlyDictionary<string, string> parameters, string file)
    {
        var result = new StringBuilder(Math.Min(text.Length, InputLimits.MaxManifestChars));
        var problems = new List<ManifestProblem>();
        var position = 0;
        var line = 1;
        var lineCountedTo = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                break;
            }

            line += text.AsSpan(lineCountedTo, open - lineCountedTo).Count('\n');
            lineCountedTo = open;
            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                // Go: "unclosed action". Everything after it is text we cannot interpret.
                problems.Add(new ManifestProblem("", line, $"template action at line {line} is not closed: \"{{{{\" without \"}}}}\""));
                break;
            }

            var body = text[(open + 2)..close];
            var before = text.AsSpan(position, open - position);
            var ltrim = body.Length >= 2 && body[0] == '-' && char.IsWhiteSpace(body[1]);
            if (ltrim)
            {
                before = before.TrimEnd();
                body = body[2..];
            }

            var rtrim = body.Length >= 2 && body[^1] == '-' && char.IsWhiteSpace(body[^2]);
            if (rtrim)
            {
                body = body[..^2];
            }

            result.Append(before);
            position = close + 2;
            if (rtrim)
            {
                while (position < text.Length && char.IsWhiteSpace(text[position]))
                {
                    position++;
                }
            }

            body = body.Trim();
            if (body.StartsWith("/*", StringComparison.Ordinal) && body.EndsWith("*/", StringComparison.Ordinal))
            {
                continue;
            }

            var field = FieldPattern().Match(body);
            if (!field.Success)
            {
                var end = text.IndexOf('\n', open, Math.Min(close + 2, open + 80) - open) is var newline and >= 0 ? newline : Math.Min(close + 2, open + 80);
                var action = Printable.Escape(text[open..end]) + (end < close + 2 ? "…" : "");
                problems.Add(new ManifestProblem("", line, $"template action {action} at line {line} is not supported: only {{{{ .name }}}} parameters are"));

                // What follows (a block's body, its {{ end }}) has no meaning without this action.
                break;
            }

            var name = field.Groups[1].Value;
            if (parameters.TryGetValue(name, out var value))
            {
                result.Append(value);
            }
            else if (problems.Count < InputLimits.MaxProblemsShown)
            {
                problems.Add(new ManifestProblem("", line, $"template parameter \"{name}\" at line {line} has no value: pass --template {name}=VALUE"));
            }

            if (result.Length > InputLimits.MaxManifestChars)
            {
                break;
            }
        }

        if (problems.Count > 0)
        {
            throw new ManifestException(file, problems);
        }

        result.Append(text, position, text.Length - position);
        if (result.Length > InputLimits.MaxManifestChars)
        {
            throw new ManifestException(file, [new ManifestProblem("", null, $"is larger than {InputLimits.MaxManifestChars / (1024 * 1024)} MiB once template parameters are filled in")]);
        }

        return result.ToString();
    }

    [GeneratedRegex(@"^\.([A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex FieldPattern();
}

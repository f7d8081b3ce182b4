using System.Text;
using System.Text.RegularExpressions;

namespace Kubetest.Model;

/// <summary>
/// The part of Go's text/template that manifests use: <c>{{ .name }}</c> (with optional
/// <c>-</c> trim markers) and comments. A missing parameter or any other action is an error,
/// never silent text.
/// </summary>
public static partial class GoTemplate
{
    public static string Render(string text, IReadOnlyDictionary<string, string> parameters, string file)
    {
        var result = new StringBuilder(text.Length);
        var problems = new List<ManifestProblem>();
        var position = 0;
        foreach (Match action in ActionPattern().Matches(text))
        {
            var before = text[position..action.Index];
            if (action.Groups["ltrim"].Success)
            {
                before = before.TrimEnd();
            }

            result.Append(before);
            position = action.Index + action.Length;
            if (action.Groups["rtrim"].Success)
            {
                while (position < text.Length && char.IsWhiteSpace(text[position]))
                {
                    position++;
                }
            }

            var body = action.Groups["body"].Value.Trim();
            var line = 1 + text.AsSpan(0, action.Index).Count('\n');
            if (body.StartsWith("/*", StringComparison.Ordinal) && body.EndsWith("*/", StringComparison.Ordinal))
            {
                continue;
            }

            var field = FieldPattern().Match(body);
            if (!field.Success)
            {
                problems.Add(new ManifestProblem("", line, $"template action {action.Value} at line {line} is not supported: only {{{{ .name }}}} parameters are"));

                // What follows (a block's body, its {{ end }}) has no meaning without this action.
                break;
            }

            var name = field.Groups[1].Value;
            if (parameters.TryGetValue(name, out var value))
            {
                result.Append(value);
            }
            else
            {
                problems.Add(new ManifestProblem("", line, $"template parameter \"{name}\" at line {line} has no value: pass --template {name}=VALUE"));
            }
        }

        if (problems.Count > 0)
        {
            throw new ManifestException(file, problems);
        }

        result.Append(text, position, text.Length - position);
        return result.ToString();
    }

    [GeneratedRegex(@"\{\{(?<ltrim>-\s)?(?<body>.*?)(?<rtrim>\s-)?\}\}", RegexOptions.Singleline)]
    private static partial Regex ActionPattern();

    [GeneratedRegex(@"^\.([A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex FieldPattern();
}

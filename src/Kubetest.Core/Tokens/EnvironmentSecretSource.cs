using System.Collections;
using System.Text;

namespace Kubetest.Tokens;

/// <summary>
/// Secrets handed over as variables, the way CI systems do it: key <c>private-key</c> of secret
/// <c>github-app</c> is <c>KUBETEST_SECRET_GITHUB_APP_PRIVATE_KEY</c> (upper case, every character
/// outside [A-Z0-9] becomes '_').
/// </summary>
public sealed class EnvironmentSecretSource(IReadOnlyDictionary<string, string?> environment) : ISecretSource
{
    public const string Prefix = "KUBETEST_SECRET_";

    /// <summary>A snapshot of this process's environment.</summary>
    public static EnvironmentSecretSource FromProcess()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = (string?)entry.Value;
        }

        return new EnvironmentSecretSource(variables);
    }

    /// <summary>The variable that holds <paramref name="key"/> of secret <paramref name="name"/>.</summary>
    public static string VariableName(string name, string key) => Prefix + Normalize(name) + "_" + Normalize(key);

    public Task<string> GetAsync(string name, string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var variable = VariableName(name, key);
        return environment.TryGetValue(variable, out var value) && value is not null
            ? Task.FromResult(value)
            : throw new UserInputException(
                $"secret \"{Printable.Escape(name)}\" key \"{Printable.Escape(key)}\": environment variable {variable} is not set");
    }

    private static string Normalize(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            result.Append(c switch
            {
                >= 'a' and <= 'z' => char.ToUpperInvariant(c),
                >= 'A' and <= 'Z' or >= '0' and <= '9' => c,
                _ => '_',
            });
        }

        return result.ToString();
    }
}

namespace Kubetest.Tokens;

/// <summary>
/// Where secret values come from: the cluster (the Kubernetes runtime), a directory, the environment.
/// </summary>
public interface ISecretSource
{
    /// <summary>
    /// The value of <paramref name="key"/> in secret <paramref name="name"/>. Throws
    /// <see cref="UserInputException"/> naming the secret and the key (never a value) when it is missing.
    /// </summary>
    Task<string> GetAsync(string name, string key, CancellationToken cancellationToken);
}

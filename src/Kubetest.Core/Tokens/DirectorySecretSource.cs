namespace Kubetest.Tokens;

/// <summary>
/// Secrets as files <c>DIR/&lt;secret&gt;/&lt;key&gt;</c>, laid out like a mounted Secret
/// (<c>--secrets-dir DIR</c>). Names come from the manifest, so a name or key that could step out
/// of DIR is refused, and so is a link that leads out of it; links inside DIR (a mounted Secret's
/// <c>..data</c>) are followed.
/// </summary>
public sealed class DirectorySecretSource(string directory) : ISecretSource
{
    /// <summary>Kubernetes caps a Secret at 1 MiB; more than that is not a secret someone meant.</summary>
    private const int MaxValueBytes = 1 << 20;

    private readonly string _directory = Path.GetFullPath(directory);

    public async Task<string> GetAsync(string name, string key, CancellationToken cancellationToken)
    {
        var what = $"secret \"{Printable.Escape(name)}\" key \"{Printable.Escape(key)}\"";
        if (!IsPlainName(name) || !IsPlainName(key))
        {
            throw new UserInputException($"{what}: a secret name or key must be one path component (no '/', \"..\" or NUL)");
        }

        var root = RealPath.Resolve(_directory);
        if (root is null || !Directory.Exists(root))
        {
            throw new UserInputException($"{what}: the secrets directory {Printable.Escape(_directory)} does not exist");
        }

        var secretDirectory = RealPath.Resolve(Path.Combine(root, name));
        if (secretDirectory is null || !Directory.Exists(secretDirectory))
        {
            throw new UserInputException($"{what}: no directory {Printable.Escape(Path.Combine(_directory, name))}");
        }

        var shown = Printable.Escape(Path.Combine(_directory, name, key));
        var file = RealPath.IsInside(secretDirectory, root) ? RealPath.Resolve(Path.Combine(secretDirectory, key)) : secretDirectory;
        if (file is not null && !RealPath.IsInside(file, root))
        {
            throw new UserInputException($"{what}: {shown} leads out of {Printable.Escape(_directory)} through a link");
        }

        if (file is null || !File.Exists(file))
        {
            throw new UserInputException($"{what}: no file {shown}");
        }

        try
        {
            if (new FileInfo(file).Length > MaxValueBytes)
            {
                throw new UserInputException($"{what}: {shown} is larger than 1 MiB");
            }

            return await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{what}: cannot read {shown}: {Printable.Escape(e.Message)}");
        }
    }

    private static bool IsPlainName(string text) =>
        text.Length > 0 && text != "." && !text.Contains('/', StringComparison.Ordinal) && !text.Contains("..", StringComparison.Ordinal)
        && !text.Contains('\0', StringComparison.Ordinal) && !text.Contains('\\', StringComparison.Ordinal);
}

namespace Kubetest.Tokens;

/// <summary>
/// Tries each source in order and takes the first value found; when none has it, the error names
/// every place it looked.
/// </summary>
public sealed class ChainedSecretSource : ISecretSource
{
    private readonly ISecretSource[] _sources;

    public ChainedSecretSource(params ISecretSource[] sources)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sources.Length, nameof(sources));
        _sources = [.. sources];
    }

    public async Task<string> GetAsync(string name, string key, CancellationToken cancellationToken)
    {
        var misses = new List<string>(_sources.Length);
        foreach (var source in _sources)
        {
            try
            {
                return await source.GetAsync(name, key, cancellationToken).ConfigureAwait(false);
            }
            catch (UserInputException e)
            {
                misses.Add(e.Message);
            }
        }

        throw new UserInputException(string.Join("; ", misses));
    }
}

using System.Collections.Concurrent;

namespace Kubetest.Emulator.Git;

/// <summary>The tokens a test server accepts; tests add and remove them while it serves.</summary>
public sealed class TokenSet
{
    private readonly ConcurrentDictionary<string, byte> _tokens = new(StringComparer.Ordinal);

    public void Add(string token) => _tokens[token] = 0;

    public bool Remove(string token) => _tokens.TryRemove(token, out _);

    public bool Contains(string token) => _tokens.ContainsKey(token);
}

using System.Security.Cryptography;
using Kubetest.Agent.Client;

namespace Kubetest.Agent.Tests;

/// <summary>
/// One running agent shared by the tests of a class (starting one takes about a second), with the
/// run's RSA key kept so that tests can also sign tokens by hand, and a scratch directory.
/// </summary>
public sealed class AgentFixture : IAsyncLifetime
{
    public RSA RunKey { get; } = RSA.Create(2048);

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("kubetest-agent-").FullName;

    public AgentProcess Agent { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var copy = RSA.Create();
        copy.ImportParameters(RunKey.ExportParameters(includePrivateParameters: true));
        Agent = await AgentProcess.StartReadyAsync(new AgentKey(copy, TimeProvider.System), []);
    }

    /// <summary>A fresh empty directory for one test.</summary>
    public string NewDirectory() => System.IO.Directory.CreateDirectory(Path.Combine(Directory, Guid.NewGuid().ToString("N")[..8])).FullName;

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        RunKey.Dispose();
        FileTree.Delete(Directory);
    }
}

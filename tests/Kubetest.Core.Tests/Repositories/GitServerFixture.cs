using System.Diagnostics;
using Kubetest.Emulator.Git;

namespace Kubetest.Core.Tests.Repositories;

/// <summary>One fixture repository, served over file:// and over smart HTTP with a token, for a test class.</summary>
public sealed class GitServerFixture : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("kubetest-git-tests-").FullName;

    public GitFixtureRepository Repository { get; private set; } = null!;

    public GitHttpServer Server { get; private set; } = null!;

    public string Token { get; } = "tok-" + Guid.NewGuid().ToString("N");

    public string FileUrl => "file://" + Repository.Directory;

    public string HttpUrl => Server.RepositoryUrl("repo.git").ToString();

    public async Task InitializeAsync()
    {
        Repository = GitFixtures.CreateBareRepository(Path.Combine(Root, "served", "repo.git"));
        Server = await GitHttpServer.StartAsync(Path.Combine(Root, "served"));
        Server.AcceptedTokens.Add(Token);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    /// <summary>Runs git in <paramref name="directory"/> for an assertion and returns its trimmed output.</summary>
    public static string Git(string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)} exited with {process.ExitCode}");
        return output.Trim();
    }
}

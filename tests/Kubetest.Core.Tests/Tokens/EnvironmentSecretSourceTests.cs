using Kubetest.Tokens;

namespace Kubetest.Core.Tests.Tokens;

public sealed class EnvironmentSecretSourceTests
{
    [Theory]
    [InlineData("github-app", "private-key", "KUBETEST_SECRET_GITHUB_APP_PRIVATE_KEY")]
    [InlineData("gh", "token", "KUBETEST_SECRET_GH_TOKEN")]
    [InlineData("my.secret", "tls.crt", "KUBETEST_SECRET_MY_SECRET_TLS_CRT")]
    [InlineData("Äpp9", "k_Z", "KUBETEST_SECRET__PP9_K_Z")]
    public void A_secret_key_maps_to_an_upper_case_variable_with_every_other_character_an_underscore(string name, string key, string variable) =>
        Assert.Equal(variable, EnvironmentSecretSource.VariableName(name, key));

    [Fact]
    public async Task The_value_of_the_mapped_variable_is_returned_as_it_is()
    {
        var source = new EnvironmentSecretSource(new Dictionary<string, string?> { ["KUBETEST_SECRET_GITHUB_APP_PRIVATE_KEY"] = " pem\n" });

        Assert.Equal(" pem\n", await source.GetAsync("github-app", "private-key", CancellationToken.None));
    }

    [Fact]
    public async Task A_missing_variable_is_named_in_the_error()
    {
        var source = new EnvironmentSecretSource(new Dictionary<string, string?> { ["KUBETEST_SECRET_GH_OTHER"] = "s3cr3t-other", ["KUBETEST_SECRET_GH_TOKEN2"] = null });

        var e = await Assert.ThrowsAsync<UserInputException>(() => source.GetAsync("gh", "token", CancellationToken.None));

        Assert.Equal("secret \"gh\" key \"token\": environment variable KUBETEST_SECRET_GH_TOKEN is not set", e.Message);
        TokenTestSupport.AssertNoSecrets(e, "s3cr3t-other");
    }

    [Fact]
    public async Task From_process_reads_this_process_s_environment()
    {
        var variable = EnvironmentSecretSource.VariableName("from-process-test", Guid.NewGuid().ToString("N"));
        Environment.SetEnvironmentVariable(variable, "here");
        try
        {
            var source = EnvironmentSecretSource.FromProcess();
            var key = variable["KUBETEST_SECRET_FROM_PROCESS_TEST_".Length..].ToLowerInvariant();

            Assert.Equal("here", await source.GetAsync("from-process-test", key, CancellationToken.None));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}

public sealed class ChainedSecretSourceTests
{
    [Fact]
    public async Task The_first_source_that_has_the_key_wins()
    {
        var first = TokenTestSupport.Secrets(("gh", "other", "x"));
        var second = TokenTestSupport.Secrets(("gh", "token", "from second"));
        var third = TokenTestSupport.Secrets(("gh", "token", "from third"));

        var value = await new ChainedSecretSource(first, second, third).GetAsync("gh", "token", CancellationToken.None);

        Assert.Equal("from second", value);
    }

    [Fact]
    public async Task When_no_source_has_it_the_error_names_every_place_it_looked()
    {
        var directory = Directory.CreateTempSubdirectory("kubetest-chain-tests-").FullName;
        try
        {
            var chain = new ChainedSecretSource(new DirectorySecretSource(directory), TokenTestSupport.Secrets(("gh", "other", "s3cr3t-other")));

            var e = await Assert.ThrowsAsync<UserInputException>(() => chain.GetAsync("gh", "token", CancellationToken.None));

            Assert.Equal(
                $"secret \"gh\" key \"token\": no directory {directory}/gh; secret \"gh\" key \"token\": environment variable KUBETEST_SECRET_GH_TOKEN is not set",
                e.Message);
            TokenTestSupport.AssertNoSecrets(e, "s3cr3t-other");
        }
        finally
        {
            FileTree.Delete(directory);
        }
    }

    [Fact]
    public void A_chain_of_nothing_is_a_bug() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChainedSecretSource());
}

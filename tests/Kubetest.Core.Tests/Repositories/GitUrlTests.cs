using Kubetest.Repositories;

namespace Kubetest.Core.Tests.Repositories;

/// <summary>A password in a repository URL: taken out of what git is given, masked in messages.</summary>
public sealed class GitUrlTests
{
    [Fact]
    public void A_password_is_taken_out_of_an_https_url_and_unescaped()
    {
        var url = GitUrl.Parse("https://bot:p%40ss@github.example/org/repo.git");

        Assert.Equal("https://github.example/org/repo.git", url.Remote);
        Assert.Equal("bot", url.UserName);
        Assert.Equal("p@ss", url.Password);
    }

    [Theory]
    [InlineData("https://bot@github.example/org/repo.git")]
    [InlineData("ssh://git@github.example/org/repo.git")]
    [InlineData("git@github.example:org/repo.git")]
    [InlineData("/srv/git/repo.git")]
    public void A_url_without_a_password_is_given_to_git_as_it_is(string text)
    {
        var url = GitUrl.Parse(text);

        Assert.Equal(text, url.Remote);
        Assert.Null(url.Password);
    }

    [Fact]
    public void Messages_mask_user_info_and_secrets_and_are_one_line()
    {
        var masked = GitUrl.Mask("fatal: 'https://bot:hunter2@host/x' said tok-123\nagain", ["tok-123", null]);

        Assert.Equal("fatal: 'https://***@host/x' said ***\\nagain", masked);
    }

    [Fact]
    public void Nothing_prints_the_password_of_a_parsed_url()
    {
        Assert.DoesNotContain("hunter2", GitUrl.Parse("https://bot:hunter2@host/x").ToString() ?? string.Empty, StringComparison.Ordinal);
    }
}

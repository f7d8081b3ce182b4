using System.Formats.Tar;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Kubetest.Agent.Client;
using Kubetest.Agent.Protocol;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Kubetest.Agent.Tests;

/// <summary>Every call without a valid token of this run is refused before it does anything.</summary>
public sealed class SecurityTests(AgentFixture fixture) : IClassFixture<AgentFixture>, IDisposable
{
    private readonly RSA _runKey = fixture.RunKey;
    private readonly string _directory = fixture.NewDirectory();
    private readonly AgentProcess _agent = fixture.Agent;
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(fixture.Agent.Address);

    public enum BadToken
    {
        None,
        NotBearer,
        SignedByAnotherKey,
        Expired,
        ForAnotherRun,
        WrongIssuer,
        NoSignature,
        Garbage,
    }

    public static TheoryData<BadToken> BadTokens => new(Enum.GetValues<BadToken>());

    public void Dispose() => _channel.Dispose();

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task An_exec_without_a_valid_token_is_unauthenticated_and_runs_nothing(BadToken token)
    {
        var marker = Path.Combine(_directory, "ran");
        var agent = new Protocol.Agent.AgentClient(_channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = agent.Exec(new ExecRequest { Argv = { "touch", marker } }, Headers(token));
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(File.Exists(marker));
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_copy_in_without_a_valid_token_is_unauthenticated_and_writes_nothing(BadToken token)
    {
        var destination = Path.Combine(_directory, "parent", "copied");
        var agent = new Protocol.Agent.AgentClient(_channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = agent.CopyTo(Headers(token));
            try
            {
                await call.RequestStream.WriteAsync(new CopyToRequest { Header = new CopyToHeader { Path = destination } });
                await call.RequestStream.WriteAsync(new CopyToRequest { Data = ByteString.CopyFrom(OneFileArchive("copied")) });
                await call.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
                // The agent may refuse (and end the call) before the client has finished writing; its answer says why.
            }

            await call.ResponseAsync;
        });

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(_directory, "parent")));
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Copy_out_ready_and_finish_without_a_valid_token_are_unauthenticated_and_the_agent_keeps_running(BadToken token)
    {
        var agent = new Protocol.Agent.AgentClient(_channel);
        File.WriteAllText(Path.Combine(_directory, "file"), "private");

        var copy = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = agent.CopyFrom(new CopyFromRequest { Path = Path.Combine(_directory, "file") }, Headers(token));
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        var ready = await Assert.ThrowsAsync<RpcException>(async () => await agent.ReadyAsync(new ReadyRequest(), Headers(token)));
        var finish = await Assert.ThrowsAsync<RpcException>(async () => await agent.FinishAsync(new FinishRequest(), Headers(token)));

        Assert.All([copy, ready, finish], e => Assert.Equal(StatusCode.Unauthenticated, e.StatusCode));
        using var client = _agent.Client();
        Assert.Equal("0.1.0", await client.WaitReadyAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_remove_without_a_valid_token_is_unauthenticated_and_removes_nothing(BadToken token)
    {
        var kept = Path.Combine(_directory, "kept");
        File.WriteAllText(kept, "kept");
        var agent = new Protocol.Agent.AgentClient(_channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await agent.RemoveAsync(new RemoveRequest { Path = kept }, Headers(token)));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("kept", File.ReadAllText(kept));
    }

    [Fact]
    public async Task The_refusal_says_why_without_echoing_the_token()
    {
        var agent = new Protocol.Agent.AgentClient(_channel);
        var token = Token(BadToken.Expired)!;

        var error = await Assert.ThrowsAsync<RpcException>(async () => await agent.ReadyAsync(new ReadyRequest(), new CallOptions(new Metadata { { "authorization", token } })));

        Assert.Equal("the token has expired", error.Status.Detail);
        Assert.DoesNotContain(token.Split(' ')[1].Split('.')[2], _agent.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_token_of_this_run_is_accepted()
    {
        var agent = new Protocol.Agent.AgentClient(_channel);

        var reply = await agent.ReadyAsync(new ReadyRequest(), new CallOptions(new Metadata { { "authorization", $"Bearer {_agent.Key.Token()}" } }));

        Assert.Equal("0.1.0", reply.Version);
    }

    private CallOptions Headers(BadToken token) =>
        new(Token(token) is { } value ? new Metadata { { "authorization", value } } : []);

    private string? Token(BadToken token)
    {
        var now = DateTimeOffset.UtcNow;
        var audience = AgentAuth.AudienceFor(_agent.Key.KeyId);
        switch (token)
        {
            case BadToken.None:
                return null;
            case BadToken.NotBearer:
                return _agent.Key.Token();
            case BadToken.SignedByAnotherKey:
                {
                    using var other = RSA.Create(2048);
                    return $"Bearer {Sign(other, AgentAuth.Issuer, audience, now, now.AddMinutes(5))}";
                }

            case BadToken.Expired:
                return $"Bearer {_agent.Key.CreateToken(now.AddHours(-1))}";
            case BadToken.ForAnotherRun:
                {
                    // Signed with the right key but minted for another run's agent: the audience names another key.
                    using var other = AgentKey.Create(TimeProvider.System);
                    return $"Bearer {Sign(_runKey, AgentAuth.Issuer, AgentAuth.AudienceFor(other.KeyId), now, now.AddMinutes(5))}";
                }

            case BadToken.WrongIssuer:
                return $"Bearer {Sign(_runKey, "someone-else", audience, now, now.AddMinutes(5))}";
            case BadToken.NoSignature:
                return $"Bearer {new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor { Issuer = AgentAuth.Issuer, Audience = audience, Expires = now.AddMinutes(5).UtcDateTime })}";
            default:
                return "Bearer not.a.token";
        }
    }

    private static string Sign(RSA key, string issuer, string audience, DateTimeOffset issued, DateTimeOffset expires) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = issued.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key), SecurityAlgorithms.RsaSha256) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } },
        });

    private static byte[] OneFileArchive(string name)
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream([1, 2, 3]) });
        }

        return stream.ToArray();
    }
}

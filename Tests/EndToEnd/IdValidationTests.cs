using System.Diagnostics;
using System.Net;
using ChatOrleans.Grains.Chats;
using ChatOrleans.Grains.Users;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOrleans.Tests.EndToEnd;

using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>
/// Ids are shape-checked at the edge and a request names at most 1,000 users, so no request makes
/// the server hold an activation per made-up id (issue 12, item 4).
/// </summary>
[Trait("Category", "Integration")]
public sealed class IdValidationTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task GroupsOfUnknownWellFormedIdsAreNotFoundAndTheirGrainsDoNotStayInMemory()
    {
        // Its own process: the activation counts are of this test alone.
        await using var gateway = await TestGateway.StartAsync();
        using var alice = await Proto.RegisterAsync(gateway.BaseUri);
        var management = gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var usersBefore = await ActivationsAsync(management, typeof(UserGrain));
        var chatsBefore = await ActivationsAsync(management, typeof(ChatGrain));

        for (var call = 0; call < 3; call++)
        {
            var unknown = Enumerable.Range(0, 1_000).Select(_ => ChatIds.NewUserId()).ToArray();
            Proto.AssertHttpError(
                await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", Proto.Json(new { kind = "group", name = "g", member_ids = unknown })),
                HttpStatusCode.NotFound, ErrorCodes.NotFound);
        }

        Proto.AssertHttpError(
            await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", Proto.Json(new { kind = "direct", member_ids = new[] { ChatIds.NewUserId() } })),
            HttpStatusCode.NotFound, ErrorCodes.NotFound);

        // 3,001 user grains were asked; the ones that found no user leave once their call is done.
        // Without that they stay for Orleans' idle collection age (15 minutes by default).
        var users = await WaitForAtMostAsync(management, typeof(UserGrain), usersBefore + 10);
        Assert.True(users <= usersBefore + 10, $"UserGrain activations: {usersBefore} before, {users} after 3,001 unknown ids.");
        var chats = await WaitForAtMostAsync(management, typeof(ChatGrain), chatsBefore + 2);
        Assert.True(chats <= chatsBefore + 2, $"ChatGrain activations: {chatsBefore} before, {chats} after four refused creations.");
    }

    [Fact]
    public async Task MoreThanAThousandUserIdsInOneRequestAreBadRequest()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var tooMany = Enumerable.Range(0, 1_001).Select(_ => ChatIds.NewUserId()).ToArray();

        Proto.AssertHttpError(
            await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", Proto.Json(new { kind = "group", name = "g", member_ids = tooMany })),
            HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
        var group = await alice.Api.CreateGroupAsync("g", [bob.Id]);
        Proto.AssertHttpError(
            await Proto.RawAsync(alice.Api, HttpMethod.Post, $"api/v1/chats/{group.ChatId}/members", Proto.Json(new { user_ids = tooMany })),
            HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
        Proto.AssertHttpError(
            await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", Proto.Json(new { kind = "group", name = "g", member_ids = new string[20_000] })),
            HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("u_")]
    [InlineData("u_0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("u_0123456789abcdef0123456789abcdef\n")]
    [InlineData("u_0123456789abcdef0123456789abcdef0")]
    [InlineData("c_0123456789abcdef0123456789abcdef")]
    [InlineData("")]
    public async Task AMalformedUserIdInABodyIsBadRequest(string id)
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);

        Proto.AssertHttpError(
            await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", Proto.Json(new { kind = "group", name = "g", member_ids = new[] { bob.Id, id } })),
            HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
        Proto.AssertHttpError(
            await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", Proto.Json(new { kind = "direct", member_ids = new[] { id } })),
            HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
        var group = await alice.Api.CreateGroupAsync("g", [bob.Id]);
        Proto.AssertHttpError(
            await Proto.RawAsync(alice.Api, HttpMethod.Post, $"api/v1/chats/{group.ChatId}/members", Proto.Json(new { user_ids = new[] { id } })),
            HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
    }

    [Theory]
    [InlineData("GET", "api/v1/chats/nonsense")]
    [InlineData("GET", "api/v1/chats/c_0123/messages")]
    [InlineData("GET", "api/v1/chats/c_0123456789abcdef0123456789abcdef%0A")]
    [InlineData("GET", "api/v1/chats/u_0123456789abcdef0123456789abcdef/messages")]
    [InlineData("PUT", "api/v1/chats/x/notification-settings")]
    [InlineData("POST", "api/v1/chats/x/members")]
    [InlineData("DELETE", "api/v1/chats/x/members/u_0123456789abcdef0123456789abcdef")]
    public async Task AMalformedChatIdInThePathIsNotFound(string method, string path)
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var body = method switch
        {
            "PUT" => Proto.Json(new { level = "all" }),
            "POST" => Proto.Json(new { user_ids = new[] { alice.Id } }),
            _ => null,
        };

        Proto.AssertHttpError(await Proto.RawAsync(alice.Api, new HttpMethod(method), path, body), HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Fact]
    public void OnlyTheShapesTheServerMakesAreIds()
    {
        Assert.True(ChatIds.IsUserId(ChatIds.NewUserId()));
        Assert.True(ChatIds.IsChatId(ChatIds.NewGroupId()));
        Assert.True(ChatIds.IsChatId(ChatIds.DirectChatId(ChatIds.NewUserId(), ChatIds.NewUserId())));
        Assert.False(ChatIds.IsUserId(ChatIds.NewUserId() + "\n"));
        Assert.False(ChatIds.IsChatId(ChatIds.NewGroupId() + "\n"));
        Assert.False(ChatIds.IsUserId(ChatIds.NewGroupId()));
        Assert.False(ChatIds.IsChatId(ChatIds.NewUserId()));
        Assert.False(ChatIds.IsUserId(null));
    }

    private static async Task<int> ActivationsAsync(IManagementGrain management, Type grainClass)
    {
        var statistics = await management.GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(grainClass.FullName!, StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    /// <summary>Polls the count until it is at most <paramref name="bound"/>, for at most 15 seconds; returns the last count.</summary>
    private static async Task<int> WaitForAtMostAsync(IManagementGrain management, Type grainClass, int bound)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var count = await ActivationsAsync(management, grainClass);
            if (count <= bound || clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                return count;
            }

            await Task.Delay(100);
        }
    }
}

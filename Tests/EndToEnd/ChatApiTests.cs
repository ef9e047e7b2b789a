using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ChatOrleans.Client;

namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;
using MemberAddedEvent = ChatOrleans.Client.MemberAddedEvent;
using MemberRemovedEvent = ChatOrleans.Client.MemberRemovedEvent;

/// <summary>Creating chats, the chat list, membership and history over HTTP and the socket.</summary>
[Trait("Category", "Integration")]
public sealed class ChatApiTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private static readonly string[] ChatFields =
    [
        "chat_id", "kind", "name", "owner_id", "members", "member_count", "last_seq", "last_read_seq", "unread_count", "level", "created_at",
    ];

    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task DirectChatIsCreatedOnceWith201ThenFoundWith200FromEitherSide()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var body = Proto.Json(new { kind = "direct", member_ids = new[] { bob.Id } });

        var created = await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", body);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var chat = created.Body!.Value.GetProperty("chat");
        AssertChatShape(chat);
        var chatId = chat.GetProperty("chat_id").GetString()!;
        Assert.Equal("direct", chat.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, chat.GetProperty("name").ValueKind);
        Assert.Equal(JsonValueKind.Null, chat.GetProperty("owner_id").ValueKind);
        Assert.Equal(2, chat.GetProperty("member_count").GetInt32());
        Assert.Equal(
            new[] { alice.Id, bob.Id }.Order(),
            chat.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order());
        Assert.Equal(0, chat.GetProperty("last_seq").GetInt64());
        Assert.Equal(0, chat.GetProperty("unread_count").GetInt32());
        Assert.Equal("all", chat.GetProperty("level").GetString());
        Assert.EndsWith("Z", chat.GetProperty("created_at").GetString(), StringComparison.Ordinal);

        var again = await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", body);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(chatId, again.Body!.Value.GetProperty("chat").GetProperty("chat_id").GetString());

        var fromBob = await bob.Api.CreateDirectChatAsync(alice.Id);
        Assert.False(fromBob.Created);
        Assert.Equal(HttpStatusCode.OK, bob.Api.LastStatusCode);
        Assert.Equal(chatId, fromBob.Chat.ChatId);
        Assert.Null(fromBob.Chat.Name);
        Assert.Null(fromBob.Chat.OwnerId);
    }

    [Fact]
    public async Task GroupIsCreatedWith201TheCallerIsOwnerAndMemberAndEveryMemberHearsChatCreated()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        await using var aliceSocket = await alice.ConnectAsync("phone");
        await using var bobSocket = await bob.ConnectAsync("phone");

        var created = await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", Proto.Json(new { kind = "group", name = "ops", member_ids = new[] { bob.Id } }));

        Assert.Equal(HttpStatusCode.Created, created.Status);
        var chat = created.Body!.Value.GetProperty("chat");
        AssertChatShape(chat);
        var chatId = chat.GetProperty("chat_id").GetString()!;
        Assert.Equal("group", chat.GetProperty("kind").GetString());
        Assert.Equal("ops", chat.GetProperty("name").GetString());
        Assert.Equal(alice.Id, chat.GetProperty("owner_id").GetString());
        Assert.Equal(new[] { alice.Id, bob.Id }, chat.GetProperty("members").EnumerateArray().Select(m => m.GetString()!));
        Assert.Equal(2, chat.GetProperty("member_count").GetInt32());

        foreach (var socket in new[] { aliceSocket, bobSocket })
        {
            var heard = await socket.WaitForAsync<ChatCreatedEvent>(e => e.Chat.ChatId == chatId, Proto.Timeout);
            Assert.Equal("ops", heard.Chat.Name);
            Assert.Equal(alice.Id, heard.Chat.OwnerId);
        }
    }

    [Fact]
    public async Task ChatListShowsLastSeqReadPositionAndUnreadCount()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        var group = (await alice.Api.CreateGroupAsync("list", [bob.Id])).ChatId;
        await using var aliceSocket = await alice.ConnectAsync("phone");
        await using var bobSocket = await bob.ConnectAsync("phone");

        // Group: alice 1, 2; bob 3, 4, 5. Direct: bob 1.
        await aliceSocket.SendMessageAsync(group, "a1", "one");
        await aliceSocket.SendMessageAsync(group, "a2", "two");
        await Proto.WaitReadStateAsync(aliceSocket, group, 2);
        for (var i = 3; i <= 5; i++)
        {
            await bobSocket.SendMessageAsync(group, $"b{i}", $"msg {i}");
        }

        await bobSocket.SendMessageAsync(direct, "d1", "hello");
        await Proto.WaitReadStateAsync(bobSocket, group, 5);
        await Proto.WaitReadStateAsync(bobSocket, direct, 1);

        var raw = await Proto.RawAsync(alice.Api, HttpMethod.Get, "api/v1/chats");
        Assert.Equal(HttpStatusCode.OK, raw.Status);
        foreach (var c in raw.Body!.Value.GetProperty("chats").EnumerateArray())
        {
            AssertChatShape(c);
        }

        var aliceChats = await alice.Api.GetChatsAsync();
        Assert.Equal(new[] { direct, group }.Order(), aliceChats.Select(c => c.ChatId).Order());
        var aliceGroup = aliceChats.Single(c => c.ChatId == group);
        Assert.Equal((5L, 2L, 3), (aliceGroup.LastSeq, aliceGroup.LastReadSeq, aliceGroup.UnreadCount));
        var aliceDirect = aliceChats.Single(c => c.ChatId == direct);
        Assert.Equal((1L, 0L, 1), (aliceDirect.LastSeq, aliceDirect.LastReadSeq, aliceDirect.UnreadCount));

        var bobGroup = (await bob.Api.GetChatsAsync()).Single(c => c.ChatId == group);
        Assert.Equal((5L, 5L, 0), (bobGroup.LastSeq, bobGroup.LastReadSeq, bobGroup.UnreadCount));

        await aliceSocket.MarkReadAsync(group, 4);
        var afterRead = await alice.Api.GetChatAsync(group);
        Assert.Equal((5L, 4L, 1), (afterRead.LastSeq, afterRead.LastReadSeq, afterRead.UnreadCount));
    }

    [Fact]
    public async Task GetChatIs403ForANonMemberAnd404ForAnUnknownId()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var eve = await Proto.RegisterAsync(BaseUri);
        var group = (await alice.Api.CreateGroupAsync("private", [bob.Id])).ChatId;
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;

        Assert.Equal(group, (await bob.Api.GetChatAsync(group)).ChatId);
        foreach (var chatId in new[] { group, direct })
        {
            Proto.AssertHttpError(await Proto.RawAsync(eve.Api, HttpMethod.Get, $"api/v1/chats/{chatId}"), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
            Proto.AssertHttpError(await Proto.RawAsync(eve.Api, HttpMethod.Get, $"api/v1/chats/{chatId}/messages"), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        }

        var unknown = "c_" + Guid.NewGuid().ToString("N");
        Proto.AssertHttpError(await Proto.RawAsync(eve.Api, HttpMethod.Get, $"api/v1/chats/{unknown}"), HttpStatusCode.NotFound, ErrorCodes.NotFound);
        Proto.AssertHttpError(await Proto.RawAsync(eve.Api, HttpMethod.Get, $"api/v1/chats/{unknown}/messages"), HttpStatusCode.NotFound, ErrorCodes.NotFound);
        Proto.AssertHttpError(
            await Proto.RawAsync(eve.Api, HttpMethod.Post, $"api/v1/chats/{unknown}/members", Proto.Json(new { user_ids = new[] { eve.Id } })),
            HttpStatusCode.NotFound, ErrorCodes.NotFound);

        // The non-member's chat list does not show it either.
        Assert.DoesNotContain(await eve.Api.GetChatsAsync(), c => c.ChatId == group);
    }

    [Fact]
    public async Task AnyMemberAddsMembersTheAddedUserHearsChatCreatedAndTheOthersMemberAdded()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var carol = await Proto.RegisterAsync(BaseUri);
        using var eve = await Proto.RegisterAsync(BaseUri);
        var group = (await alice.Api.CreateGroupAsync("grow", [bob.Id])).ChatId;
        await using var aliceSocket = await alice.ConnectAsync("phone");
        await using var bobSocket = await bob.ConnectAsync("phone");
        await using var carolSocket = await carol.ConnectAsync("phone");
        await aliceSocket.SendMessageAsync(group, "m1", "before carol 1");
        await aliceSocket.SendMessageAsync(group, "m2", "before carol 2");

        // A non-member may not add; bob (a member, not the owner) may.
        await Proto.AssertApiErrorAsync(() => eve.Api.AddMembersAsync(group, [eve.Id]), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        var raw = await Proto.RawAsync(bob.Api, HttpMethod.Post, $"api/v1/chats/{group}/members", Proto.Json(new { user_ids = new[] { carol.Id } }));

        Assert.Equal(HttpStatusCode.OK, raw.Status);
        var chat = raw.Body!.Value.GetProperty("chat");
        AssertChatShape(chat);
        Assert.Equal(group, chat.GetProperty("chat_id").GetString());
        Assert.Equal(new[] { alice.Id, bob.Id, carol.Id }, chat.GetProperty("members").EnumerateArray().Select(m => m.GetString()!));
        Assert.Equal(3, chat.GetProperty("member_count").GetInt32());
        Assert.Equal(alice.Id, chat.GetProperty("owner_id").GetString());

        var created = await carolSocket.WaitForAsync<ChatCreatedEvent>(e => e.Chat.ChatId == group, Proto.Timeout);
        Assert.Equal(3, created.Chat.MemberCount);
        Assert.Equal(2, created.Chat.LastSeq);
        Assert.Equal(2, created.Chat.LastReadSeq);
        Assert.Equal(0, created.Chat.UnreadCount);
        await aliceSocket.WaitForAsync<MemberAddedEvent>(e => e.ChatId == group && e.UserId == carol.Id, Proto.Timeout);
        await bobSocket.WaitForAsync<MemberAddedEvent>(e => e.ChatId == group && e.UserId == carol.Id, Proto.Timeout);

        // Carol starts with nothing unread, and from now on hears the chat's messages.
        var carolView = await carol.Api.GetChatAsync(group);
        Assert.Equal((2L, 2L, 0), (carolView.LastSeq, carolView.LastReadSeq, carolView.UnreadCount));
        await aliceSocket.SendMessageAsync(group, "m3", "welcome carol");
        await Proto.WaitMessageAsync(carolSocket, group, 3);
        Assert.DoesNotContain(carolSocket.ReceivedOf<MemberAddedEvent>(), e => e.ChatId == group && e.UserId == carol.Id);
        Assert.DoesNotContain(carolSocket.ReceivedOf<NewMessageEvent>(), e => e.Message.ChatId == group && e.Message.Seq <= 2);

        // Adding someone already there changes nothing.
        var same = await alice.Api.AddMembersAsync(group, [carol.Id]);
        Assert.Equal(3, same.MemberCount);
    }

    [Fact]
    public async Task DirectChatMembersCannotBeAddedOrRemoved()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var carol = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;

        await Proto.AssertApiErrorAsync(() => alice.Api.AddMembersAsync(direct, [carol.Id]), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Proto.AssertApiErrorAsync(() => alice.Api.RemoveMemberAsync(direct, bob.Id), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Proto.AssertApiErrorAsync(() => alice.Api.RemoveMemberAsync(direct, alice.Id), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);

        var chat = await bob.Api.GetChatAsync(direct);
        Assert.Equal(2, chat.MemberCount);
    }

    [Fact]
    public async Task OwnerRemovesAMemberWhoHearsMemberRemovedAndIsANonMemberFromThenOn()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var carol = await Proto.RegisterAsync(BaseUri);
        var group = (await alice.Api.CreateGroupAsync("trim", [bob.Id, carol.Id])).ChatId;
        await using var aliceSocket = await alice.ConnectAsync("phone");
        await using var bobSocket = await bob.ConnectAsync("phone");
        await using var carolSocket = await carol.ConnectAsync("phone");
        await aliceSocket.SendMessageAsync(group, "m1", "before");
        await Proto.WaitMessageAsync(carolSocket, group, 1);

        // A member who is not the owner removes nobody but themself.
        await Proto.AssertApiErrorAsync(() => bob.Api.RemoveMemberAsync(group, carol.Id), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);

        var answer = await Proto.RawAsync(alice.Api, HttpMethod.Delete, $"api/v1/chats/{group}/members/{carol.Id}");
        Assert.Equal(HttpStatusCode.NoContent, answer.Status);
        Assert.Null(answer.Body);

        await carolSocket.WaitForAsync<MemberRemovedEvent>(e => e.ChatId == group && e.UserId == carol.Id, Proto.Timeout);
        await aliceSocket.WaitForAsync<MemberRemovedEvent>(e => e.ChatId == group && e.UserId == carol.Id, Proto.Timeout);
        await bobSocket.WaitForAsync<MemberRemovedEvent>(e => e.ChatId == group && e.UserId == carol.Id, Proto.Timeout);

        await Proto.AssertApiErrorAsync(() => carol.Api.GetChatAsync(group), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Proto.AssertApiErrorAsync(() => carol.Api.GetMessagesAsync(group), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.DoesNotContain(await carol.Api.GetChatsAsync(), c => c.ChatId == group);
        await Proto.AssertRequestErrorAsync(() => carolSocket.SendMessageAsync(group, "c1", "still here?"), ErrorCodes.Forbidden);
        await Proto.AssertRequestErrorAsync(() => carolSocket.FetchHistoryAsync(group), ErrorCodes.Forbidden);

        var chat = await alice.Api.GetChatAsync(group);
        Assert.Equal(new[] { alice.Id, bob.Id }, chat.Members);
        Assert.Equal(2, chat.MemberCount);

        // What the group says afterwards does not reach carol.
        await aliceSocket.SendMessageAsync(group, "m2", "after");
        await Proto.WaitMessageAsync(bobSocket, group, 2);
        await carolSocket.PingAsync();
        Assert.DoesNotContain(carolSocket.ReceivedOf<NewMessageEvent>(), e => e.Message.ChatId == group && e.Message.Seq == 2);
    }

    [Fact]
    public async Task AMemberLeaves()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var group = (await alice.Api.CreateGroupAsync("leave", [bob.Id])).ChatId;
        await using var aliceSocket = await alice.ConnectAsync("phone");
        await using var bobSocket = await bob.ConnectAsync("phone");

        await bob.Api.RemoveMemberAsync(group, bob.Id);
        Assert.Equal(HttpStatusCode.NoContent, bob.Api.LastStatusCode);

        await bobSocket.WaitForAsync<MemberRemovedEvent>(e => e.ChatId == group && e.UserId == bob.Id, Proto.Timeout);
        await aliceSocket.WaitForAsync<MemberRemovedEvent>(e => e.ChatId == group && e.UserId == bob.Id, Proto.Timeout);
        await Proto.AssertApiErrorAsync(() => bob.Api.GetChatAsync(group), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.DoesNotContain(await bob.Api.GetChatsAsync(), c => c.ChatId == group);

        var chat = await alice.Api.GetChatAsync(group);
        Assert.Equal(new[] { alice.Id }, chat.Members);
        Assert.Equal(alice.Id, chat.OwnerId);

        // Leaving twice: no longer a member.
        await Proto.AssertApiErrorAsync(() => bob.Api.RemoveMemberAsync(group, bob.Id), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnOwnerWhoLeavesPassesOwnershipToTheEarliestRemainingMember(bool reversed)
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var carol = await Proto.RegisterAsync(BaseUri);
        using var dave = await Proto.RegisterAsync(BaseUri);
        var (first, second) = reversed ? (carol, bob) : (bob, carol);

        // Ties at creation go in the order of member_ids; dave joins later.
        var group = (await alice.Api.CreateGroupAsync("succession", [first.Id, second.Id])).ChatId;
        await alice.Api.AddMembersAsync(group, [dave.Id]);

        await alice.Api.RemoveMemberAsync(group, alice.Id);
        Assert.Equal(first.Id, (await second.Api.GetChatAsync(group)).OwnerId);

        // The new owner has the owner's powers.
        await first.Api.RemoveMemberAsync(group, second.Id);
        Assert.Equal(new[] { first.Id, dave.Id }, (await dave.Api.GetChatAsync(group)).Members);

        await first.Api.RemoveMemberAsync(group, first.Id);
        var last = await dave.Api.GetChatAsync(group);
        Assert.Equal(dave.Id, last.OwnerId);
        Assert.Equal(new[] { dave.Id }, last.Members);
    }

    [Fact]
    public async Task HistoryPagesOverHttpAndTheSocket()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var group = (await alice.Api.CreateGroupAsync("history", [bob.Id])).ChatId;
        const int total = 220;
        var texts = await SeedAsync(alice, group, total);

        void AssertPage(IReadOnlyList<Message> page, long from, long to, string what)
        {
            var expected = Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => (long)i).ToList();
            Assert.True(
                expected.SequenceEqual(page.Select(m => m.Seq)),
                $"{what}: expected seq {from}..{to}, got [{string.Join(",", page.Select(m => m.Seq))}]");
            Assert.All(page, m => Assert.Equal(texts[m.Seq], m.Text));
            Assert.All(page, m => Assert.Equal(group, m.ChatId));
        }

        // HTTP, as bob (any member).
        AssertPage(await bob.Api.GetMessagesAsync(group), 171, 220, "no cursor, default limit 50");
        AssertPage(await bob.Api.GetMessagesAsync(group, limit: 10), 211, 220, "limit 10");
        AssertPage(await bob.Api.GetMessagesAsync(group, limit: 1000), 21, 220, "limit clamped to 200");
        AssertPage(await bob.Api.GetMessagesAsync(group, beforeSeq: 100), 50, 99, "before_seq 100");
        AssertPage(await bob.Api.GetMessagesAsync(group, beforeSeq: 100, limit: 10), 90, 99, "before_seq 100 limit 10");
        AssertPage(await bob.Api.GetMessagesAsync(group, beforeSeq: 5, limit: 10), 1, 4, "before_seq 5 limit 10");
        AssertPage(await bob.Api.GetMessagesAsync(group, afterSeq: 0), 1, 50, "after_seq 0");
        AssertPage(await bob.Api.GetMessagesAsync(group, afterSeq: 100, limit: 10), 101, 110, "after_seq 100 limit 10");
        AssertPage(await bob.Api.GetMessagesAsync(group, afterSeq: 210, limit: 50), 211, 220, "after_seq 210");
        AssertPage(await bob.Api.GetMessagesAsync(group, afterSeq: 0, limit: 1000), 1, 200, "after_seq 0 limit clamped to 200");
        AssertPage(await bob.Api.GetMessagesAsync(group, beforeSeq: 150, afterSeq: 100, limit: 10), 101, 110, "both: the first page above after_seq");
        AssertPage(await bob.Api.GetMessagesAsync(group, beforeSeq: 105, afterSeq: 100, limit: 10), 101, 104, "both, close together: only the window between them");
        Assert.Empty(await bob.Api.GetMessagesAsync(group, afterSeq: 220));

        // The same over the socket.
        await using var socket = await bob.ConnectAsync("phone");
        AssertPage(await socket.FetchHistoryAsync(group), 171, 220, "ws: no cursor");
        AssertPage(await socket.FetchHistoryAsync(group, limit: 1000), 21, 220, "ws: limit clamped to 200");
        AssertPage(await socket.FetchHistoryAsync(group, beforeSeq: 100, limit: 10), 90, 99, "ws: before_seq");
        AssertPage(await socket.FetchHistoryAsync(group, afterSeq: 100, limit: 10), 101, 110, "ws: after_seq");
        AssertPage(await socket.FetchHistoryAsync(group, beforeSeq: 150, afterSeq: 100, limit: 10), 101, 110, "ws: both");
        AssertPage(await socket.FetchHistoryAsync(group, beforeSeq: 105, afterSeq: 100, limit: 10), 101, 104, "ws: both, close together: only the window");
        AssertPage(await socket.FetchHistoryAsync(group, afterSeq: 0), 1, 50, "ws: after_seq 0, default limit");
    }

    [Fact]
    public async Task HistoryLeavesDeletedMessagesOutAndDoesNotCountThem()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var socket = await alice.ConnectAsync("phone");
        var sent = new List<Message>();
        for (var i = 1; i <= 5; i++)
        {
            sent.Add(await socket.SendMessageAsync(direct, $"c{i}", $"text {i}"));
        }

        await socket.DeleteMessageAsync(direct, sent[2].MessageId);

        Assert.Equal(new long[] { 1, 2, 4, 5 }, (await bob.Api.GetMessagesAsync(direct)).Select(m => m.Seq));
        Assert.Equal(new long[] { 2, 4 }, (await bob.Api.GetMessagesAsync(direct, beforeSeq: 5, limit: 2)).Select(m => m.Seq));
        Assert.Equal(new long[] { 2, 4 }, (await bob.Api.GetMessagesAsync(direct, afterSeq: 1, limit: 2)).Select(m => m.Seq));
        Assert.Equal(new long[] { 4, 5 }, (await socket.FetchHistoryAsync(direct, limit: 2)).Select(m => m.Seq));
    }

    [Theory]
    [InlineData("before_seq=abc")]
    [InlineData("after_seq=abc")]
    [InlineData("limit=abc")]
    [InlineData("before_seq=-1")]
    [InlineData("after_seq=1.5")]
    public async Task HistoryWithABadQueryIs400(string query)
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;

        Proto.AssertHttpError(
            await Proto.RawAsync(alice.Api, HttpMethod.Get, $"api/v1/chats/{direct}/messages?{query}"),
            HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
    }

    [Fact]
    public async Task FetchHistoryWithABadFieldIsBadRequest()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var socket = await alice.ConnectAsync("phone");

        await Proto.AssertRequestErrorAsync(
            () => socket.RequestAsync("fetch_history", Proto.Fields(("chat_id", direct), ("before_seq", "abc"))), ErrorCodes.BadRequest);
        await Proto.AssertRequestErrorAsync(
            () => socket.RequestAsync("fetch_history", Proto.Fields(("chat_id", direct), ("after_seq", -1))), ErrorCodes.BadRequest);
        await Proto.AssertRequestErrorAsync(() => socket.RequestAsync("fetch_history"), ErrorCodes.BadRequest);
        Assert.Empty(await socket.FetchHistoryAsync(direct));
    }

    private static void AssertChatShape(JsonElement chat)
    {
        foreach (var field in ChatFields)
        {
            Assert.True(chat.TryGetProperty(field, out _), $"chat lacks '{field}': {chat.GetRawText()}");
        }
    }

    /// <summary>
    /// Sends <paramref name="total"/> messages from several devices of <paramref name="user"/> (each within the
    /// default burst of 50; past the user's burst of 150 a refused send is sent again after its
    /// <c>retry_after_ms</c>), and returns the text of each seq as the acks reported it.
    /// </summary>
    private static async Task<IReadOnlyDictionary<long, string>> SeedAsync(ProtocolUser user, string chatId, int total)
    {
        const int devices = 5;
        var texts = new ConcurrentDictionary<long, string>();
        var sockets = new List<ChatConnection>();
        try
        {
            for (var d = 0; d < devices; d++)
            {
                sockets.Add(await user.ConnectAsync($"seed{d}", new ChatConnectionOptions { PublishEvents = false, RecordReceived = false }));
            }

            await Task.WhenAll(sockets.Select((socket, d) => Task.Run(async () =>
            {
                for (var i = d; i < total; i += devices)
                {
                    var text = $"message {i} from seed{d}";
                    var message = await SendWithinBudgetAsync(socket, chatId, $"seed-{i}", text);
                    Assert.True(texts.TryAdd(message.Seq, text), $"seq {message.Seq} was assigned twice");
                }
            })));
        }
        finally
        {
            await Proto.DisposeAllAsync(sockets);
        }

        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), texts.Keys.Order());
        return texts;
    }

    private static async Task<Message> SendWithinBudgetAsync(ChatConnection socket, string chatId, string clientMsgId, string text)
    {
        while (true)
        {
            try
            {
                return await socket.SendMessageAsync(chatId, clientMsgId, text);
            }
            catch (ChatRequestException ex) when (ex.Code == ErrorCodes.RateLimited && ex.RetryAfterMs is { } wait)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            }
        }
    }
}

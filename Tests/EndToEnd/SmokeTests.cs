using ChatOrleans.Client;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.EndToEnd;

[Trait("Category", "Integration")]
public sealed class SmokeTests
{
    [Fact]
    public async Task TwoUsersExchangeAMessageInADirectChat()
    {
        await using var gateway = await TestGateway.StartAsync();
        var alice = new ChatApiClient(gateway.BaseUri);
        var bob = new ChatApiClient(gateway.BaseUri);
        var a = await alice.RegisterAsync("alice", "password1");
        var b = await bob.RegisterAsync("bob", "password1");
        var direct = await alice.CreateDirectChatAsync(b.UserId);

        await using var aliceSocket = await ChatConnection.ConnectAsync(gateway.BaseUri, a.AccessToken, "phone");
        await using var bobSocket = await ChatConnection.ConnectAsync(gateway.BaseUri, b.AccessToken, "laptop");
        await aliceSocket.SyncDone.WaitAsync(TimeSpan.FromSeconds(10));
        await bobSocket.SyncDone.WaitAsync(TimeSpan.FromSeconds(10));

        var sent = await aliceSocket.SendMessageAsync(direct.Chat.ChatId, "c1", "hi bob");
        Assert.Equal(1, sent.Seq);
        var received = await bobSocket.WaitForAsync<NewMessageEvent>(e => e.Message.ChatId == direct.Chat.ChatId, TimeSpan.FromSeconds(10));
        Assert.Equal("hi bob", received.Message.Text);
        var own = await aliceSocket.WaitForAsync<NewMessageEvent>(e => e.Message.Seq == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(sent.MessageId, own.Message.MessageId);
    }
}

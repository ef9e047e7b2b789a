using ChatOrleans.Tests.EndToEnd;

namespace ChatOrleans.Tests.Cluster;

/// <summary>
/// Right after a send's ack, the sender's <c>GET /chats</c> shows that seq as read through every
/// gateway of the production cluster, the one the sender is not connected to included.
/// </summary>
[Collection(ProductionClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ReadAfterSendClusterTests(ProductionCluster cluster) : IClassFixture<ProductionCluster>
{
    private const int Rounds = 60;

    [Fact]
    public async Task TheChatListThroughTheOtherGatewayShowsEverySendAsReadRightAfterItsAck()
    {
        await cluster.EnsureWholeAsync();
        var (east, west) = (cluster.Gateways[0], cluster.Gateways[1]);
        var alice = await E2E.RegisterAsync(east.BaseUri);
        var bob = await E2E.RegisterAsync(west.BaseUri);
        var chatId = (await ClusterChat.Api(east, alice).CreateDirectChatAsync(bob.UserId)).Chat.ChatId;
        await using var alicePhone = await ClusterChat.ConnectAsync(east, alice, "phone");
        await using var bobPhone = await ClusterChat.ConnectAsync(west, bob, "phone");
        using var aliceOnWest = ClusterChat.Api(west, alice);
        using var aliceOnEast = ClusterChat.Api(east, alice);
        var lagging = new List<string>();

        for (var i = 0; i < Rounds; i++)
        {
            await bobPhone.SendMessageAsync(chatId, $"b{i}", "from bob").WaitAsync(ClusterChat.Wait);
            var sent = await alicePhone.SendMessageAsync(chatId, $"a{i}", "from alice").WaitAsync(ClusterChat.Wait);

            foreach (var (name, api) in new[] { ("west", aliceOnWest), ("east", aliceOnEast) })
            {
                var chat = Assert.Single(await api.GetChatsAsync(), c => c.ChatId == chatId);
                if (chat.LastReadSeq < sent.Seq || chat.UnreadCount != 0)
                {
                    lagging.Add($"round {i} via {name}: ack seq {sent.Seq}, last_read_seq {chat.LastReadSeq}, unread {chat.UnreadCount}");
                }
            }
        }

        Assert.True(lagging.Count == 0, string.Join("\n", lagging));
    }
}

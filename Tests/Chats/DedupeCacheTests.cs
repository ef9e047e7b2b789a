using ChatOrleans.Grains.Chats;
using ChatOrleans.Grains.Storage;
using static ChatOrleans.Tests.Chats.TestMessages;

namespace ChatOrleans.Tests.Chats;

/// <summary>The chat's memory of recent sends by (sender, client_msg_id): bounded, oldest out first.</summary>
[Trait("Category", "Unit")]
public sealed class DedupeCacheTests
{
    [Fact]
    public void ARememberedSendIsFoundBySenderAndClientId()
    {
        var cache = new DedupeCache(capacity: 4);
        var message = Message(1, "alice", "c1");

        cache.Remember(new ClientMessageKey("alice", "c1"), message);

        Assert.True(cache.TryGet(new ClientMessageKey("alice", "c1"), out var found));
        Assert.Same(message, found);
        Assert.False(cache.TryGet(new ClientMessageKey("bob", "c1"), out _));
        Assert.False(cache.TryGet(new ClientMessageKey("alice", "C1"), out _));
    }

    [Fact]
    public void PastCapacityTheOldestLeavesFirst()
    {
        var cache = new DedupeCache(capacity: 3);
        for (var seq = 1; seq <= 5; seq++)
        {
            cache.Remember(new ClientMessageKey("alice", $"c{seq}"), Message(seq, "alice"));
        }

        Assert.Equal(3, cache.Count);
        Assert.False(cache.TryGet(new ClientMessageKey("alice", "c1"), out _));
        Assert.False(cache.TryGet(new ClientMessageKey("alice", "c2"), out _));
        Assert.All(new[] { "c3", "c4", "c5" }, id => Assert.True(cache.TryGet(new ClientMessageKey("alice", id), out _)));
    }

    [Fact]
    public void RememberingAKeyAgainKeepsTheFirstMessageAndItsPlace()
    {
        var cache = new DedupeCache(capacity: 2);
        var first = Message(1, "alice", "c1");
        cache.Remember(new ClientMessageKey("alice", "c1"), first);
        cache.Remember(new ClientMessageKey("alice", "c1"), Message(9, "alice", "c1"));
        cache.Remember(new ClientMessageKey("alice", "c2"), Message(2, "alice", "c2"));

        Assert.True(cache.TryGet(new ClientMessageKey("alice", "c1"), out var found));
        Assert.Same(first, found);
        Assert.Equal(2, cache.Count);

        // The repeat took no place in the order: the next one out is still c1.
        cache.Remember(new ClientMessageKey("alice", "c3"), Message(3, "alice", "c3"));
        Assert.False(cache.TryGet(new ClientMessageKey("alice", "c1"), out _));
        Assert.True(cache.TryGet(new ClientMessageKey("alice", "c2"), out _));
    }

    [Fact]
    public void CapacityZeroRemembersNothing()
    {
        var cache = new DedupeCache(capacity: 0);

        cache.Remember(new ClientMessageKey("alice", "c1"), Message(1, "alice", "c1"));

        Assert.Equal(0, cache.Count);
        Assert.False(cache.TryGet(new ClientMessageKey("alice", "c1"), out _));
    }

    [Fact]
    public void ADeletedMessageStaysWithoutItsContent()
    {
        var cache = new DedupeCache(capacity: 4);
        var message = Message(1, "alice", "c1", text: "secret @bob", mentions: ["bob"]) with { MediaIds = ["media1"] };
        cache.Remember(new ClientMessageKey("alice", "c1"), message);

        cache.ForgetContent(message);

        Assert.True(cache.TryGet(new ClientMessageKey("alice", "c1"), out var found));
        Assert.Equal(message.MessageId, found.MessageId);
        Assert.Equal(1, found.Seq);
        Assert.Null(found.Text);
        Assert.Empty(found.Mentions);
        Assert.Empty(found.MediaIds);
    }

    [Fact]
    public void ForgettingTheContentOfAMessageNotHeldAddsNothing()
    {
        var cache = new DedupeCache(capacity: 4);

        cache.ForgetContent(Message(1, "alice", "c1"));

        Assert.Equal(0, cache.Count);
        Assert.False(cache.TryGet(new ClientMessageKey("alice", "c1"), out _));
    }
}

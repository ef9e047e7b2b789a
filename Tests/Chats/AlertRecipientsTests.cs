using ChatOrleans.Grains.Chats;
using static ChatOrleans.Tests.Chats.TestMessages;

namespace ChatOrleans.Tests.Chats;

/// <summary>Who a written batch alerts: by the level each member chose or the chat's default, mentions and senders.</summary>
[Trait("Category", "Unit")]
public sealed class AlertRecipientsTests
{
    private const int Threshold = 3;

    [Fact]
    public void ASmallGroupAlertsEveryoneButTheSender()
    {
        var members = Members("a", "b", "c");

        var recipients = AlertRecipients.Select([Message(1, "a")], ChatKind.Group, members, Threshold);

        Assert.Equal([new("b", false), new("c", false)], Sorted(recipients));
    }

    [Fact]
    public void ADirectChatAlertsTheOtherWhateverTheThreshold()
    {
        var members = Members("a", "b");

        var recipients = AlertRecipients.Select([Message(1, "a")], ChatKind.Direct, members, largeGroupThreshold: 0);

        Assert.Equal([new("b", false)], recipients);
    }

    [Fact]
    public void MutedMembersAreNeverAlertedEvenWhenMentioned()
    {
        var members = Members("a", "b", "c");
        members.ChooseLevel("b", NotificationLevel.None);

        var recipients = AlertRecipients.Select([Message(1, "a", mentions: ["b"])], ChatKind.Group, members, Threshold);

        Assert.Equal([new("c", false)], recipients);
    }

    [Fact]
    public void AMemberOnMentionsInASmallGroupHearsOfEveryBatchForMentionsOnly()
    {
        // Every batch, so that their unread count is kept from the batches; alerted (by the
        // inbox) only for the mentions.
        var members = Members("a", "b", "c");
        members.ChooseLevel("b", NotificationLevel.Mentions);

        var plain = AlertRecipients.Select([Message(1, "a")], ChatKind.Group, members, Threshold);
        var mention = AlertRecipients.Select([Message(2, "a", mentions: ["b"])], ChatKind.Group, members, Threshold);

        Assert.Equal([new("b", true), new("c", false)], Sorted(plain));
        Assert.Equal([new("b", true), new("c", false)], Sorted(mention));
        Assert.True(AlertRecipients.HearsEveryBatch("b", ChatKind.Group, members, Threshold));
    }

    [Fact]
    public void ALargeGroupAlertsOnlyTheMentionedAndThoseWhoChoseAll()
    {
        var members = Members("a", "b", "c", "d", "e");
        members.ChooseLevel("e", NotificationLevel.All);
        members.ChooseLevel("d", NotificationLevel.None);

        var plain = AlertRecipients.Select([Message(1, "a")], ChatKind.Group, members, Threshold);
        var mention = AlertRecipients.Select([Message(2, "a", mentions: ["b", "d", "e"])], ChatKind.Group, members, Threshold);

        Assert.Equal([new("e", false)], plain);
        Assert.Equal([new("b", true), new("e", false)], Sorted(mention));
    }

    [Fact]
    public void AGroupAtTheThresholdIsNotLarge()
    {
        var members = Members("a", "b", "c");

        var recipients = AlertRecipients.Select([Message(1, "a")], ChatKind.Group, members, largeGroupThreshold: 3);

        Assert.Equal(["b", "c"], Sorted(recipients).Select(r => r.UserId));
    }

    [Fact]
    public void NobodyIsAlertedOfTheirOwnMention()
    {
        var members = Members("a", "b", "c", "d");

        var recipients = AlertRecipients.Select([Message(1, "a", mentions: ["a"])], ChatKind.Group, members, Threshold);

        Assert.Empty(recipients);
    }

    [Fact]
    public void ABatchFromSeveralSendersAlertsEachOfThemOfTheOthers()
    {
        var members = Members("a", "b", "c");

        var recipients = AlertRecipients.Select(Batch(1, "a", "b"), ChatKind.Group, members, Threshold);

        Assert.Equal(["a", "b", "c"], Sorted(recipients).Select(r => r.UserId));
    }

    [Fact]
    public void AMentionInABatchCountsForTheMemberWhoDidNotWriteIt()
    {
        var members = Members("a", "b", "c", "d");
        members.ChooseLevel("b", NotificationLevel.Mentions);

        // b mentions themself (no alert for that) but a mentions b: b hears of the batch.
        var batch = new List<ChatMessage> { Message(1, "b", mentions: ["b"]), Message(2, "a", mentions: ["b"]) };
        var recipients = AlertRecipients.Select(batch, ChatKind.Group, members, largeGroupThreshold: 10);

        Assert.Contains(new AlertRecipient("b", true), recipients);
    }

    [Fact]
    public void AMentionedOrChosenUserWhoIsNoLongerAMemberIsNotAlerted()
    {
        var members = Members("a", "b", "c", "d", "e");
        members.ChooseLevel("e", NotificationLevel.All);
        members.Remove("e");

        var recipients = AlertRecipients.Select([Message(1, "a", mentions: ["stranger"])], ChatKind.Group, members, Threshold);

        Assert.Empty(recipients);
    }

    [Fact]
    public void EachRecipientIsSelectedOnce()
    {
        var members = Members("a", "b", "c", "d", "e");
        members.ChooseLevel("b", NotificationLevel.All);

        var batch = new List<ChatMessage> { Message(1, "a", mentions: ["b"]), Message(2, "a", mentions: ["b"]) };
        var recipients = AlertRecipients.Select(batch, ChatKind.Group, members, Threshold);

        Assert.Equal([new("b", false)], recipients);
    }

    private static ChatMembers Members(params string[] ids)
    {
        var members = new ChatMembers(new ChatState());
        members.Add(ids, At);
        return members;
    }

    private static List<AlertRecipient> Sorted(List<AlertRecipient> recipients) =>
        recipients.OrderBy(r => r.UserId, StringComparer.Ordinal).ToList();
}

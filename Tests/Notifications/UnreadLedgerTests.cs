using ChatOrleans.Grains.Notifications;

namespace ChatOrleans.Tests.Notifications;

/// <summary>The badge kept from the chats' snapshots, whatever order they arrive in.</summary>
public sealed class UnreadLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    [Fact]
    public void TheBadgeSumsTheCountsOfChatsThatAreNotMuted()
    {
        var ledger = Loaded(("c1", NotificationLevel.All), ("c2", NotificationLevel.Mentions), ("c3", NotificationLevel.None));
        ledger.Apply(Snap("c1", last: 10, read: 5, count: 4), T0);
        ledger.Apply(Snap("c2", last: 3, read: 0, count: 3), T0);
        ledger.Apply(Snap("c3", last: 9, read: 0, count: 9), T0);

        Assert.Equal(7, ledger.Badge);
        Assert.Empty(ledger.NeedingCount(T0));
    }

    [Fact]
    public void AnOlderSnapshotArrivingLateChangesNothing()
    {
        var ledger = Loaded(("c1", NotificationLevel.All));
        ledger.Apply(Snap("c1", last: 12, read: 12, count: 0), T0);
        ledger.Apply(Snap("c1", last: 11, read: 4, count: 7), T0);

        Assert.Equal(0, ledger.Badge);
        Assert.Empty(ledger.NeedingCount(T0));
    }

    [Fact]
    public void SnapshotsThatEachHaveSomethingNewerMakeTheChatCountedAgainFromTheLatestReadPosition()
    {
        // A batch counted against the old read position, and a read move counted before that batch.
        var ledger = Loaded(("c1", NotificationLevel.All));
        ledger.Apply(Snap("c1", last: 11, read: 11, count: 0), T0);
        ledger.Apply(Snap("c1", last: 12, read: 4, count: 8), T0);

        Assert.Equal([("c1", 11L)], ledger.NeedingCount(T0));
        ledger.Apply(Snap("c1", last: 12, read: 11, count: 1), T0);
        Assert.Equal(1, ledger.Badge);
        Assert.Empty(ledger.NeedingCount(T0));
    }

    [Fact]
    public void ABatchWithoutACountIsCountedAgainOnlyWhenItIsNewerThanTheCount()
    {
        var ledger = Loaded(("c1", NotificationLevel.All));
        ledger.Apply(Snap("c1", last: 10, read: 2, count: 8), T0);

        ledger.Uncounted("c1", lastSeq: 10);
        Assert.Empty(ledger.NeedingCount(T0));

        ledger.Uncounted("c1", lastSeq: 11);
        Assert.Equal([("c1", 2L)], ledger.NeedingCount(T0));
        Assert.Null(ledger.Current("c1"));
    }

    [Fact]
    public void ADeletionMakesTheChatCountedAgain()
    {
        var ledger = Loaded(("c1", NotificationLevel.All));
        ledger.Apply(Snap("c1", last: 10, read: 2, count: 8), T0);
        ledger.Invalidate("c1");

        Assert.Equal([("c1", 2L)], ledger.NeedingCount(T0));
        ledger.Apply(Snap("c1", last: 10, read: 2, count: 7, deletionMark: 99), T0);
        Assert.Equal(7, ledger.Badge);
    }

    [Fact]
    public void ALargeGroupIsCountedAgainOncePerRefreshPeriodAndNeverCountedChatsAtOnce()
    {
        var ledger = Loaded(("big", NotificationLevel.All), ("new", NotificationLevel.All));
        ledger.Apply(Snap("big", last: 100, read: 90, count: 10, everyBatch: false), T0);

        Assert.Equal([("new", 0L)], ledger.NeedingCount(T0));
        Assert.Equal([("new", 0L)], ledger.NeedingCount(T0 + Refresh - TimeSpan.FromMilliseconds(1)));
        Assert.Equal(["big", "new"], ledger.NeedingCount(T0 + Refresh).Select(d => d.ChatId).Order());
    }

    [Fact]
    public void ChatsLeftOrNotListedAnyMoreLeaveTheBadge()
    {
        var ledger = Loaded(("c1", NotificationLevel.All), ("c2", NotificationLevel.All));
        ledger.Apply(Snap("c1", last: 5, read: 0, count: 5), T0);
        ledger.Apply(Snap("c2", last: 3, read: 0, count: 3), T0);

        ledger.ChatChanged("c1", null);
        Assert.Equal(3, ledger.Badge);

        ledger.Load([Entry("c3", NotificationLevel.All)]);
        Assert.Equal(0, ledger.Badge);
        Assert.Equal([("c3", 0L)], ledger.NeedingCount(T0));
    }

    [Fact]
    public void MutingAChatTakesItOutOfTheBadgeAndUnmutingCountsItAgain()
    {
        var ledger = Loaded(("c1", NotificationLevel.All));
        ledger.Apply(Snap("c1", last: 5, read: 0, count: 5), T0);

        ledger.ChatChanged("c1", NotificationLevel.None);
        Assert.Equal(0, ledger.Badge);
        Assert.Empty(ledger.NeedingCount(T0));

        // While muted it heard of no batch.
        ledger.ChatChanged("c1", NotificationLevel.All);
        Assert.Equal([("c1", 0L)], ledger.NeedingCount(T0));
    }

    [Fact]
    public void ASnapshotCountedFromAnOlderReadPositionThanTheListSaysIsNotTrusted()
    {
        var ledger = new UnreadLedger(Refresh);
        ledger.Load([Entry("c1", NotificationLevel.All, lastReadSeq: 8)]);
        ledger.Apply(Snap("c1", last: 10, read: 3, count: 7), T0);

        Assert.Equal([("c1", 8L)], ledger.NeedingCount(T0));
    }

    private static UnreadLedger Loaded(params (string ChatId, NotificationLevel Level)[] chats)
    {
        var ledger = new UnreadLedger(Refresh);
        ledger.Load(chats.Select(c => Entry(c.ChatId, c.Level)));
        return ledger;
    }

    private static UserChatEntry Entry(string chatId, NotificationLevel level, long lastReadSeq = 0) =>
        new(chatId, T0, 0, lastReadSeq, T0, level);

    private static UnreadSnapshot Snap(string chatId, long last, long read, int count, long deletionMark = 0, bool everyBatch = true) =>
        new(chatId, last, read, deletionMark, count, everyBatch);
}

using ChatOrleans.Grains.Chats;
using static ChatOrleans.Tests.Chats.TestMessages;

namespace ChatOrleans.Tests.Chats;

/// <summary>Unread counts from the senders of recent seqs and kept counts, and when only the log can answer.</summary>
[Trait("Category", "Unit")]
public sealed class UnreadWindowTests
{
    [Fact]
    public void NothingAboveTheLastSeqIsUnreadWithoutAWindow()
    {
        var window = new UnreadWindow();

        Assert.True(window.TryCount("alice", afterSeq: 7, lastSeq: 7, out var count));
        Assert.Equal(0, count);
        Assert.True(window.TryCount("alice", afterSeq: 9, lastSeq: 7, out count));
        Assert.Equal(0, count);
        Assert.False(window.TryCount("alice", afterSeq: 6, lastSeq: 7, out _));
    }

    [Fact]
    public void CountsOthersMessagesAboveThePosition()
    {
        var window = new UnreadWindow();
        window.NoteWritten(Batch(1, "a", "b", "a", "c")); // seqs 1..4

        Assert.True(window.TryCount("a", 0, 4, out var count));
        Assert.Equal(2, count);
        Assert.True(window.TryCount("b", 0, 4, out count));
        Assert.Equal(3, count);
        Assert.True(window.TryCount("d", 2, 4, out count));
        Assert.Equal(2, count);
        Assert.True(window.TryCount("c", 3, 4, out count));
        Assert.Equal(0, count);
    }

    [Fact]
    public void AWindowStartedAfterActivationAnswersOnlyFromItsFirstSeq()
    {
        var window = new UnreadWindow();
        window.NoteWritten(Batch(11, "a", "b")); // the log held 1..10 before

        Assert.Equal(11, window.FirstSeq);
        Assert.True(window.TryCount("c", 10, 12, out var count));
        Assert.Equal(2, count);
        Assert.False(window.TryCount("c", 9, 12, out _));
    }

    [Fact]
    public void AKeptCountFromTheLogIsExtendedByLaterSends()
    {
        var window = new UnreadWindow();
        window.Keep("c", afterSeq: 0, upToSeq: 10, count: 6); // counted in the log
        window.NoteWritten(Batch(11, "a", "c", "b"));

        Assert.True(window.TryCount("c", 0, 13, out var count));
        Assert.Equal(8, count);

        // The extended count is kept and extended again.
        window.NoteWritten(Batch(14, "a"));
        Assert.True(window.TryCount("c", 0, 14, out count));
        Assert.Equal(9, count);
    }

    [Fact]
    public void AKeptCountForAnotherPositionDoesNotAnswer()
    {
        var window = new UnreadWindow();
        window.Keep("c", afterSeq: 0, upToSeq: 10, count: 6);
        window.NoteWritten(Batch(11, "a"));

        Assert.False(window.TryCount("c", 1, 11, out _));
    }

    [Fact]
    public void SeqsWrittenByAnotherWriterMakeTheWindowAnswerNothing()
    {
        var window = new UnreadWindow();
        window.NoteWritten(Batch(1, "a", "b"));

        // Seq 3 is stored, but not by this window's writer: counts up to it need the log.
        Assert.False(window.TryCount("c", 0, 3, out _));
        Assert.Equal(0, window.LatestSentBy("a", 0, 3));

        // The next batch this writer stores starts a new window at its own first seq.
        window.NoteWritten(Batch(4, "a"));
        Assert.Equal(4, window.FirstSeq);
        Assert.Equal(1, window.Length);
        Assert.True(window.TryCount("c", 3, 4, out var count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void ADeletedMessageStopsCountingAndKeptCountsStartOver()
    {
        var window = new UnreadWindow();
        window.Keep("c", afterSeq: 0, upToSeq: 10, count: 6);
        window.NoteWritten(Batch(11, "a", "b", "a"));
        Assert.True(window.TryCount("c", 10, 13, out var count));
        Assert.Equal(3, count);

        window.NoteDeleted(12);

        Assert.True(window.TryCount("c", 10, 13, out count));
        Assert.Equal(2, count);
        Assert.False(window.TryCount("c", 0, 13, out _)); // below the window only the log knows now
    }

    [Fact]
    public void ADeletionOutsideTheWindowStillDropsKeptCounts()
    {
        var window = new UnreadWindow();
        window.Keep("c", afterSeq: 0, upToSeq: 10, count: 6);
        window.NoteWritten(Batch(11, "a"));

        window.NoteDeleted(3);

        Assert.False(window.TryCount("c", 0, 11, out _));
        Assert.True(window.TryCount("c", 10, 11, out var count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void TheWindowKeepsTheLatestSendersWhenItGrowsPastTwiceItsSize()
    {
        var window = new UnreadWindow(senderWindow: 4);
        window.NoteWritten(Batch(1, "a", "a", "a", "a", "a", "a", "a", "a")); // 8: not past twice 4

        Assert.Equal(1, window.FirstSeq);
        window.NoteWritten(Batch(9, "b")); // 9 > 8: trimmed to the latest 4

        Assert.Equal(6, window.FirstSeq);
        Assert.Equal(4, window.Length);
        Assert.True(window.TryCount("c", 5, 9, out var count));
        Assert.Equal(4, count);
        Assert.False(window.TryCount("c", 4, 9, out _));
    }

    [Fact]
    public void PastTheMostKeptCountsTheCacheStartsOver()
    {
        var window = new UnreadWindow(maxCachedCounts: 2);
        window.Keep("a", 0, 10, 1);
        window.Keep("b", 0, 10, 2);
        window.Keep("a", 0, 10, 3); // replaces its own: no overflow
        window.NoteWritten(Batch(11, "x"));

        Assert.True(window.TryCount("a", 0, 11, out var count));
        Assert.Equal(4, count);

        window.Keep("c", 0, 10, 5); // a third member: the kept counts start over
        Assert.False(window.TryCount("a", 0, 11, out _));
        Assert.False(window.TryCount("b", 0, 11, out _));
        Assert.True(window.TryCount("c", 0, 11, out count));
        Assert.Equal(6, count);
    }

    [Fact]
    public void LatestSentByFindsTheNewestOwnMessageAboveThePosition()
    {
        var window = new UnreadWindow();
        window.NoteWritten(Batch(1, "a", "b", "a", "c"));

        Assert.Equal(3, window.LatestSentBy("a", 0, 4));
        Assert.Equal(2, window.LatestSentBy("b", 0, 4));
        Assert.Equal(0, window.LatestSentBy("b", 2, 4));
        Assert.Equal(0, window.LatestSentBy("d", 0, 4));

        window.NoteDeleted(3);
        Assert.Equal(1, window.LatestSentBy("a", 0, 4));
    }
}

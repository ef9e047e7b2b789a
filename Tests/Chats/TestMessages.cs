namespace ChatOrleans.Tests.Chats;

/// <summary>Messages for the chat's plain classes, made without a grain or a log.</summary>
internal static class TestMessages
{
    public static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static ChatMessage Message(long seq, string senderId, string? clientMsgId = null, string? text = "hi", IReadOnlyList<string>? mentions = null) =>
        new($"m{seq}", "chat", seq, senderId, "phone", clientMsgId ?? $"c{seq}", text, mentions ?? [], [], null, At);

    /// <summary>One message per sender, with seqs from <paramref name="firstSeq"/> on.</summary>
    public static List<ChatMessage> Batch(long firstSeq, params string[] senders) =>
        senders.Select((sender, i) => Message(firstSeq + i, sender)).ToList();
}

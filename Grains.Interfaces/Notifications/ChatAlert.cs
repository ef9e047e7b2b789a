namespace ChatOrleans;

/// <summary>
/// What a chat hands the notification pipeline after a batch is durably written: the chat and
/// the batch's messages, reduced to what an alert needs. One instance serves every recipient.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatAlert")]
public sealed record ChatAlert(string ChatId, ChatKind Kind, string? ChatName, IReadOnlyList<AlertItem> Items);

/// <summary>One message of a <see cref="ChatAlert"/>.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.AlertItem")]
public sealed record AlertItem(long Seq, string SenderId, string? Text, IReadOnlyList<string> Mentions, DateTimeOffset CreatedAt);

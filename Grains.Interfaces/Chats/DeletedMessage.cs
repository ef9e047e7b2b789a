namespace ChatOrleans;

[GenerateSerializer, Immutable, Alias("ChatOrleans.DeletedMessage")]
public sealed record DeletedMessage(string ChatId, string MessageId, long Seq, DateTimeOffset DeletedAt);

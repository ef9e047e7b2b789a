namespace ChatOrleans.Grains.Chats;

/// <summary>A member to alert of a batch; <see cref="MentionsOnly"/> when their level is <c>mentions</c>.</summary>
internal readonly record struct AlertRecipient(string UserId, bool MentionsOnly);

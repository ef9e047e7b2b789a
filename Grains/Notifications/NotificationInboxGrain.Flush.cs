using System.Text;

namespace ChatOrleans.Grains.Notifications;

/// <summary>Turning due alerts into pushes and email digests, after dropping what was read meanwhile.</summary>
public sealed partial class NotificationInboxGrain
{
    private async Task FlushPushes(DateTimeOffset now)
    {
        var pending = State.PendingPush;
        State.PendingPush = [];
        State.PushDueAt = null;

        var unread = await StillUnread(pending);
        if (unread.Count == 0 || !Settings.Push || HasActiveDevice(now))
        {
            return;
        }

        var badge = await ComputeBadge();
        var names = await SenderNames(unread.Select(u => u.SenderId));
        foreach (var (deviceId, device) in State.Devices)
        {
            if (device.Token is not { } token)
            {
                continue;
            }

            // Each message alerts a device at most once, whatever wakes this grain again.
            var fresh = unread.Where(p => p.Seq > device.AlertedUpTo.GetValueOrDefault(p.ChatId)).ToList();
            if (fresh.Count == 0)
            {
                continue;
            }

            foreach (var chat in fresh.GroupBy(p => p.ChatId))
            {
                device.AlertedUpTo[chat.Key] = chat.Max(p => p.Seq);
            }

            var newest = fresh.MaxBy(p => p.CreatedAt)!;
            var sender = names.GetValueOrDefault(newest.SenderId, "Someone");
            var title = newest.Kind == ChatKind.Group && newest.ChatName is { } chatName ? $"{sender} in {chatName}" : sender;
            var body = Settings.Previews ? Preview(newest.Text) : "New message";
            if (fresh.Count > 1)
            {
                body += $" (and {fresh.Count - 1} more)";
            }

            State.OutboxPushes.Add(new OutgoingPush(NewId(), deviceId, token, title, body, newest.ChatId, newest.SenderId, newest.Seq, badge, Silent: false));
            device.BadgeShown = true;
            device.LastBadge = badge;
        }
    }

    private async Task FlushEmail(DateTimeOffset now)
    {
        var pending = State.PendingEmail;
        State.PendingEmail = [];
        State.EmailDueAt = null;

        var unread = await StillUnread(pending);
        if (unread.Count == 0 || !Settings.Email || Settings.EmailAddress is not { } address)
        {
            return;
        }

        var names = await SenderNames(unread.Select(u => u.SenderId));
        var text = new StringBuilder();
        text.Append("You have ").Append(unread.Count).Append(unread.Count == 1 ? " unread message" : " unread messages").AppendLine(":").AppendLine();
        foreach (var chat in unread.GroupBy(p => p.ChatId))
        {
            var first = chat.First();
            text.AppendLine(first.Kind == ChatKind.Group ? $"In {first.ChatName}:" : $"From {names.GetValueOrDefault(first.SenderId, "someone")}:");
            foreach (var item in chat.OrderBy(p => p.Seq))
            {
                var line = Settings.Previews ? Preview(item.Text) : (item.Mentioned ? "mentioned you" : "sent you a message");
                text.Append("  ").Append(names.GetValueOrDefault(item.SenderId, "someone")).Append(": ").AppendLine(line);
            }

            text.AppendLine();
        }

        var subject = unread.Count == 1 ? "1 unread message" : $"{unread.Count} unread messages";
        State.OutboxEmails.Add(new OutgoingEmail(NewId(), address, subject, text.ToString()));
        LogEmailDigest(UserId, unread.Count, now);
    }

    /// <summary>
    /// Drops what the user read on any device, chats they left, chats they muted since, and
    /// messages their senders deleted meanwhile (a deleted message is never shown in an alert).
    /// </summary>
    private async Task<List<PendingAlert>> StillUnread(List<PendingAlert> pending)
    {
        if (pending.Count == 0)
        {
            return pending;
        }

        var entries = (await GrainFactory.GetGrain<IUserGrain>(UserId).GetChatEntries()).ToDictionary(e => e.ChatId);
        var unread = pending
            .Where(p => entries.TryGetValue(p.ChatId, out var entry)
                && p.Seq > entry.LastReadSeq
                && entry.Level != NotificationLevel.None
                && (entry.Level != NotificationLevel.Mentions || p.Mentioned))
            .GroupBy(p => (p.ChatId, p.Seq))
            .Select(g => g.First())
            .ToList();

        var deleted = new HashSet<(string ChatId, long Seq)>();
        foreach (var chat in unread.GroupBy(p => p.ChatId))
        {
            try
            {
                var seqs = await GrainFactory.GetGrain<IChatGrain>(chat.Key)
                    .GetDeletedSeqs(UserId, chat.Min(p => p.CreatedAt), chat.Max(p => p.Seq));
                deleted.UnionWith(seqs.Select(s => (chat.Key, s)));
            }
            catch (ChatException)
            {
                // Removed from the chat meanwhile: none of it is for this user any more.
                deleted.UnionWith(chat.Select(p => (chat.Key, p.Seq)));
            }
        }

        return deleted.Count == 0 ? unread : unread.Where(p => !deleted.Contains((p.ChatId, p.Seq))).ToList();
    }

    private async Task<Dictionary<string, string>> SenderNames(IEnumerable<string> senderIds)
    {
        var ids = senderIds.Distinct().Take(20).ToList();
        var profiles = await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<IUserGrain>(id).GetProfile()));
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            if (profiles[i] is { } profile)
            {
                names[ids[i]] = profile.DisplayName;
            }
        }

        return names;
    }

    private string Preview(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "Sent an attachment";
        }

        var limit = _options.PreviewLength;
        return text.Length <= limit ? text : string.Concat(text.AsSpan(0, limit), "…");
    }
}

namespace ChatOrleans.Grains.Notifications;

/// <summary>
/// The user's unread counts and badge (<see cref="UnreadLedger"/>): kept from the alerts and read
/// moves this grain hears anyway, and counted by a chat only where those say nothing current.
/// </summary>
public sealed partial class NotificationInboxGrain
{
    private UnreadLedger? _ledger;

    private UnreadLedger Ledger => _ledger ??= new UnreadLedger(_options.LargeGroupUnreadRefresh);

    public async Task<int> ReadMoved(UnreadSnapshot unread)
    {
        Ledger.Apply(unread, _time.GetUtcNow());
        var badge = await ComputeBadge();
        await DropReadAlerts(unread.ChatId, unread.ReadSeq, badge);
        return badge;
    }

    public Task<int> GetBadgeCount() => ComputeBadge();

    public Task ChatListChanged(string chatId, NotificationLevel? level)
    {
        Ledger.ChatChanged(chatId, level);
        return Task.CompletedTask;
    }

    public Task UnreadChanged(string chatId)
    {
        Ledger.Invalidate(chatId);
        return Task.CompletedTask;
    }

    /// <summary>Keeps the count a batch's alert brought, or notes that the batch came without one.</summary>
    private void NoteBatch(ChatAlert alert, UnreadSnapshot? unread)
    {
        if (unread is not null)
        {
            Ledger.Apply(unread, _time.GetUtcNow());
        }
        else if (alert.Items.Count > 0)
        {
            Ledger.Uncounted(alert.ChatId, alert.Items[^1].Seq);
        }
    }

    /// <summary>
    /// The badge now: the chat list is read once per activation (an interleaving call, so the user
    /// grain may be the caller), and what the ledger does not hold current is counted by its chats.
    /// </summary>
    private async Task<int> ComputeBadge()
    {
        var ledger = Ledger;
        if (!ledger.Loaded)
        {
            ledger.Load(await GrainFactory.GetGrain<IUserGrain>(UserId).GetChatEntries());
        }

        var due = ledger.NeedingCount(_time.GetUtcNow());
        if (due.Count > 0)
        {
            var counted = await Task.WhenAll(due.Select(d => CountOrForget(d.ChatId, d.ReadSeq)));
            var now = _time.GetUtcNow();
            for (var i = 0; i < due.Count; i++)
            {
                if (counted[i] is { } snapshot)
                {
                    ledger.Apply(snapshot, now);
                }
                else
                {
                    ledger.Forget(due[i].ChatId);
                }
            }
        }

        return ledger.Badge;
    }

    private async Task<UnreadSnapshot?> CountOrForget(string chatId, long readSeq)
    {
        try
        {
            return await GrainFactory.GetGrain<IChatGrain>(chatId).GetUnread(UserId, readSeq);
        }
        catch (ChatException)
        {
            // Left or removed meanwhile: nothing of it counts any more.
            return null;
        }
    }
}

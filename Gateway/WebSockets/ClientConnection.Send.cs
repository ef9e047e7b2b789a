using System.Threading.Channels;
using ChatOrleans.Gateway.Protocol;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>The send loop: welcome, replay, <c>sync_done</c>, then live events in per-chat order.</summary>
public sealed partial class ClientConnection
{
    private const int ReplayPageSize = 200;

    /// <summary>
    /// Welcome, replay and <c>sync_done</c>. Its own method, so the session (positions in every
    /// chat of the user) is garbage once the replay is sent instead of living as long as the socket.
    /// </summary>
    private async Task WelcomeAndReplayAsync(DeviceSession session, CancellationToken token)
    {
        await SendAsync(ServerFrames.Welcome(UserId, DeviceId, SessionId), token);
        var replayed = await ReplayAsync(session, token);
        await SendAsync(ServerFrames.SyncDone(replayed), token);
        if (replayed > 0)
        {
            _metrics.Replayed(replayed);
        }
    }

    /// <summary>Waits for the replay (see <see cref="WelcomeAndReplayAsync"/>), then sends live events.</summary>
    private async Task SendLoopAsync(Task replay, CancellationToken token)
    {
        await replay;

        // The queue is read without a token: a wait that can be cancelled allocates and registers
        // anew each time the loop sleeps, once per frame under load. The token completes the
        // queue instead, registered once for the connection.
        using var stop = token.UnsafeRegister(static writer => ((ChannelWriter<Outbound>)writer!).TryComplete(), _outbound.Writer);
        await foreach (var item in _outbound.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (token.IsCancellationRequested)
            {
                Written(item);
                token.ThrowIfCancellationRequested();
            }

            Writing(item);
            try
            {
                await SendQueuedAsync(item, token);
            }
            finally
            {
                Written(item);
            }
        }
    }

    private async Task SendQueuedAsync(Outbound item, CancellationToken token)
    {
        switch (item)
        {
            case Outbound.NewMessage message when _chats.TryGetValue(message.ChatId, out var cursor):
                if (message.Seq <= cursor.LastSent)
                {
                    break;
                }

                if (message.Seq > cursor.LastSent + 1)
                {
                    // A live event went missing (a silo failed mid-publish): the log has it.
                    await SendFromLogAsync(message.ChatId, cursor, message.Seq - 1, deletedSince: null, token);
                }

                await SendAsync(message.Payload, token);
                _metrics.Delivered(message.CreatedAt, _time.GetUtcNow());
                cursor.Sent(message.Seq);
                break;
            case Outbound.MessageDeleted deleted when _chats.TryGetValue(deleted.ChatId, out var cursor):
                // A device that never received the message (above what this socket sent, so
                // above what it acknowledged) never learns of it.
                if (cursor.Has(deleted.Seq))
                {
                    await SendAsync(deleted.Payload, token);
                }

                break;
            case Outbound.ChatFrame frame when _chats.ContainsKey(frame.ChatId):
                await SendAsync(frame.Payload, token);
                break;
            case Outbound.Frame frame:
                await SendAsync(frame.Payload, token);
                break;
            case Outbound.CatchUp catchUp when _chats.TryGetValue(catchUp.ChatId, out var cursor):
                await SendFromLogAsync(catchUp.ChatId, cursor, long.MaxValue, deletedSince: null, token);
                break;
        }
    }

    /// <summary>
    /// PROTOCOL.md, Replay: chat by chat, <c>new_message</c> for everything above the device's
    /// position that is not deleted; on a reconnect also <c>message_deleted</c> for deletions at
    /// or below it since the previous connection began, and <c>read_state</c> where the read
    /// position moved since then.
    /// </summary>
    private async Task<int> ReplayAsync(DeviceSession session, CancellationToken token)
    {
        var deletedSince = session.FirstConnection ? null : session.PreviousConnectionStartedAt;
        var replayed = 0;
        var chats = session.Positions.Keys.ToList();

        // First pages are fetched several chats at a time and sent in order.
        foreach (var chunk in chats.Chunk(_options.ReplayConcurrency))
        {
            var pages = chunk.Select(chatId => FetchReplayPage(chatId, session.Positions[chatId], deletedSince)).ToList();
            for (var i = 0; i < chunk.Length; i++)
            {
                var page = await pages[i];
                if (page is null || !_chats.TryGetValue(chunk[i], out var cursor))
                {
                    continue;
                }

                replayed += await SendReplayPageAsync(cursor, page, token);
                if (page.HasMore)
                {
                    replayed += await SendFromLogAsync(chunk[i], cursor, long.MaxValue, deletedSince: null, token);
                }
                else
                {
                    // What the page lacks up to its last seq was deleted before this device got it:
                    // a late live copy of those must not reach the device either.
                    cursor.SkipTo(page.LastSeq);
                }
            }
        }

        if (deletedSince is { } since)
        {
            var states = await User.GetReadStatesMovedSince(since);
            foreach (var state in states)
            {
                await SendAsync(ServerFrames.ReadState(state), token);
                replayed++;
            }
        }

        return replayed;
    }

    private async Task<ChatReplay?> FetchReplayPage(string chatId, long afterSeq, DateTimeOffset? deletedSince)
    {
        try
        {
            return await _grains.GetGrain<IChatGrain>(chatId).GetReplay(UserId, afterSeq, deletedSince, ReplayPageSize);
        }
        catch (ChatException)
        {
            // Removed from the chat meanwhile: nothing of it is replayed.
            return null;
        }
    }

    private async Task<int> SendReplayPageAsync(ChatCursor cursor, ChatReplay page, CancellationToken token)
    {
        var sent = 0;
        foreach (var message in page.Messages)
        {
            if (message.Seq > cursor.LastSent)
            {
                await SendAsync(ServerFrames.NewMessage(await _media.MessageAsync(message, Origin)), token);
                cursor.Sent(message.Seq);
                sent++;
            }
        }

        foreach (var deleted in page.Deleted)
        {
            await SendAsync(ServerFrames.MessageDeleted(deleted.ChatId, deleted.MessageId, deleted.Seq), token);
            sent++;
        }

        return sent;
    }

    /// <summary>Sends what the log holds above the cursor, up to <paramref name="upToSeq"/>.</summary>
    private async Task<int> SendFromLogAsync(string chatId, ChatCursor cursor, long upToSeq, DateTimeOffset? deletedSince, CancellationToken token)
    {
        var sent = 0;
        while (cursor.LastSent < upToSeq)
        {
            var page = await FetchReplayPage(chatId, cursor.LastSent, deletedSince);
            if (page is null)
            {
                break;
            }

            foreach (var message in page.Messages)
            {
                if (message.Seq > upToSeq)
                {
                    return sent;
                }

                await SendAsync(ServerFrames.NewMessage(await _media.MessageAsync(message, Origin)), token);
                cursor.Sent(message.Seq);
                sent++;
            }

            if (!page.HasMore)
            {
                // Deleted messages at the end of the range leave nothing to send.
                cursor.SkipTo(Math.Min(upToSeq, page.LastSeq));
                break;
            }
        }

        return sent;
    }
}

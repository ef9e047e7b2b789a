namespace ChatOrleans.Grains.Chats;

/// <summary>
/// Creating a chat and changing who is in it. Every change holds <see cref="_stateLock"/>, goes
/// through <see cref="ChatMembers"/> and is stored before anyone hears of it: the users' chat lists
/// and the chat's stream follow the stored membership, never the other way round.
/// </summary>
public sealed partial class ChatGrain
{
    public Task<ChatInfo> CreateGroup(string ownerId, string name, IReadOnlyList<string> memberIds) =>
        ForgettingIfUncreated(() => CreateGroupCore(ownerId, name, memberIds));

    public Task<DirectChatResult> EnsureDirect(string userA, string userB) =>
        ForgettingIfUncreated(() => EnsureDirectCore(userA, userB));

    public async Task<ChatInfo> AddMembers(string actorId, IReadOnlyList<string> userIds)
    {
        EnsureMember(actorId);
        if (State.Kind == ChatKind.Direct)
        {
            throw ChatException.Forbidden("A direct chat's members cannot change.");
        }

        await _stateLock.WaitAsync();
        try
        {
            var added = _members.Newcomers(userIds);
            if (added.Count == 0)
            {
                return ToInfo();
            }

            EnsureGroupSize(_members.Count + added.Count);
            await EnsureUsersExist(added);

            var now = _time.GetUtcNow();
            var threshold = _notificationOptions.LargeGroupThreshold;
            var grewLarge = _members.Count <= threshold && _members.Count + added.Count > threshold;
            var hearingEveryBatch = grewLarge ? AlertRecipients.EveryBatchMembers(State.Kind, _members, threshold).ToList() : [];
            _members.Add(added, now);
            await _state.WriteStateAsync();
            if (grewLarge)
            {
                // Members at the default level stop hearing of every batch: their badge is counted when asked from now.
                TellUnreadChanged(hearingEveryBatch);
            }

            var info = ToInfo();
            await NotifyJoined(added, info, now);
            foreach (var id in added)
            {
                await Publish(new MemberAddedEvent(ChatId, id));
            }

            return info;
        }
        finally
        {
            _stateLock.Release();
        }
    }

    public async Task RemoveMember(string actorId, string userId)
    {
        EnsureMember(actorId);
        if (State.Kind == ChatKind.Direct)
        {
            throw ChatException.Forbidden("Nobody leaves a direct chat.");
        }

        if (actorId != userId && actorId != State.OwnerId)
        {
            throw ChatException.Forbidden("Only the owner removes other members.");
        }

        await _stateLock.WaitAsync();
        try
        {
            if (!_members.Remove(userId))
            {
                throw ChatException.NotFound("That user is not a member of this chat.");
            }

            if (State.OwnerId == userId)
            {
                State.OwnerId = _members.Earliest;
            }

            await _state.WriteStateAsync();

            // Published before anything else: on the chat's ordered stream it separates what the
            // removed user may still see from what they must not.
            await Publish(new MemberRemovedEvent(ChatId, userId));
            await GrainFactory.GetGrain<IUserGrain>(userId).LeftChat(ChatId);
        }
        finally
        {
            _stateLock.Release();
        }
    }

    private async Task<ChatInfo> CreateGroupCore(string ownerId, string name, IReadOnlyList<string> memberIds)
    {
        name = name?.Trim() ?? "";
        if (name.Length == 0 || name.Length > _options.MaxNameLength)
        {
            throw ChatException.BadRequest($"A group needs a name of 1 to {_options.MaxNameLength} characters.");
        }

        DisplayText.EnsureAllowed(name, "name");
        await _stateLock.WaitAsync();
        try
        {
            if (State.Created)
            {
                throw ChatException.Conflict("This chat already exists.");
            }

            // The owner first, then the others once each in the order given: join order decides succession.
            var members = new[] { ownerId }.Concat(memberIds).Distinct(StringComparer.Ordinal).ToList();
            EnsureGroupSize(members.Count);
            return await Create(ChatKind.Group, name, ownerId, members);
        }
        finally
        {
            _stateLock.Release();
        }
    }

    private async Task<DirectChatResult> EnsureDirectCore(string userA, string userB)
    {
        if (ChatId != ChatIds.DirectChatId(userA, userB))
        {
            throw ChatException.BadRequest("This is not the direct chat of these users.");
        }

        await _stateLock.WaitAsync();
        try
        {
            if (State.Created)
            {
                return new DirectChatResult(ToInfo(), Created: false);
            }

            var members = userA == userB ? new List<string> { userA } : [userA, userB];
            return new DirectChatResult(await Create(ChatKind.Direct, name: null, ownerId: null, members), Created: true);
        }
        finally
        {
            _stateLock.Release();
        }
    }

    /// <summary>
    /// Stores the new chat, then tells its members. The caller holds <see cref="_stateLock"/> and has
    /// seen that the chat does not exist yet.
    /// </summary>
    private async Task<ChatInfo> Create(ChatKind kind, string? name, string? ownerId, List<string> memberIds)
    {
        await EnsureUsersExist(memberIds);

        var now = _time.GetUtcNow();
        State.Created = true;
        State.Kind = kind;
        State.Name = name;
        State.OwnerId = ownerId;
        State.CreatedAt = now;
        _members.Add(memberIds, now);
        await _state.WriteStateAsync();

        var info = ToInfo();
        await NotifyJoined(memberIds, info, now);
        return info;
    }

    /// <summary>A refused creation leaves no activation behind for an id that holds no chat.</summary>
    private async Task<T> ForgettingIfUncreated<T>(Func<Task<T>> create)
    {
        try
        {
            return await create();
        }
        catch (ChatException) when (!State.Created)
        {
            ForgetUncreated();
            throw;
        }
    }

    private void EnsureGroupSize(int count)
    {
        if (count > _options.MaxGroupMembers)
        {
            throw ChatException.BadRequest($"A group holds at most {_options.MaxGroupMembers} members.");
        }
    }

    private async Task EnsureUsersExist(List<string> userIds)
    {
        // An id of a shape this server never makes is unknown without asking a grain: each grain
        // asked is an activation (one that finds no user leaves at once, see UserGrain.GetProfile).
        foreach (var id in userIds)
        {
            if (!ChatIds.IsUserId(id))
            {
                throw ChatException.NotFound($"No such user: {id}.");
            }
        }

        var profiles = await Task.WhenAll(userIds.Select(id => GrainFactory.GetGrain<IUserGrain>(id).GetProfile()));
        for (var i = 0; i < userIds.Count; i++)
        {
            if (profiles[i] is null)
            {
                throw ChatException.NotFound($"No such user: {userIds[i]}.");
            }
        }
    }

    private async Task NotifyJoined(IReadOnlyList<string> userIds, ChatInfo info, DateTimeOffset joinedAt)
    {
        // The membership is already stored: the users' chat lists are an index of it.
        foreach (var chunk in userIds.Chunk(256))
        {
            await Task.WhenAll(chunk.Select(id => GrainFactory.GetGrain<IUserGrain>(id).JoinedChat(info, joinedAt)));
        }
    }
}

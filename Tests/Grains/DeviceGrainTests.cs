using ChatOrleans.Tests.Infrastructure;
using static ChatOrleans.Tests.Grains.GrainTestHelpers;

namespace ChatOrleans.Tests.Grains;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DeviceGrainTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    private IDeviceGrain Device(TestUser user, string deviceId = "phone") =>
        Grains.GetGrain<IDeviceGrain>(ChatIds.DeviceKey(user.Id, deviceId));

    private static string NewSession() => "s_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task AConnectedDeviceHoldsNoActivationOnceConnectedAndItsPositionsComeBackFromStorage()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await chat.SendMany(a, 3);
        var device = Device(b);

        var session = await device.Connect(NewSession());
        Assert.Equal(3, session.Positions[info.ChatId]);

        // An idle socket's device is no activation in memory: the connect let it go.
        var management = Grains.GetGrain<IManagementGrain>(0);
        var id = device.GetGrainId();
        using var timeout = new CancellationTokenSource(GrainTestHelpers.Timeout);
        while ((await management.GetActiveGrains(id.Type)).Contains(id))
        {
            await Task.Delay(20, timeout.Token);
        }

        // What it stored is all a later call needs.
        await chat.SendMany(a, 2);
        Assert.Equal(4, await device.Delivered(info.ChatId, 4));
        Assert.Equal(4, (await device.GetPositions())[info.ChatId]);
    }

    [Fact]
    public async Task FirstConnectGivesFirstConnectionAndPositionsAtChatsLastSeq()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (busy, busyInfo) = await Grains.CreateGroup(a, b);
        var (_, quietInfo) = await Grains.CreateGroup(a, b);
        var (direct, directInfo) = await Grains.CreateDirect(a, b);
        await busy.SendMany(a, 3);
        await direct.SendMany(a, 1);

        var session = await Device(b).Connect("session-1");

        Assert.Equal("session-1", session.SessionId);
        Assert.True(session.FirstConnection);
        Assert.Null(session.PreviousConnectionStartedAt);
        Assert.Equal(3, session.Positions.Count);
        Assert.Equal(3, session.Positions[busyInfo.ChatId]);
        Assert.Equal(0, session.Positions[quietInfo.ChatId]);
        Assert.Equal(1, session.Positions[directInfo.ChatId]);
        var stored = await Device(b).GetPositions();
        Assert.Equal(session.Positions.OrderBy(p => p.Key), stored.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task FirstConnectWithoutChatsHasNoPositions()
    {
        var a = await Grains.CreateUser("a");

        var session = await Device(a).Connect(NewSession());

        Assert.True(session.FirstConnection);
        Assert.Empty(session.Positions);
    }

    [Fact]
    public async Task DeliveredIsCumulativeAndNeverMovesBack()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await Device(b).Connect(NewSession());
        await chat.SendMany(a, 6);

        Assert.Equal(2, await Device(b).Delivered(info.ChatId, 2));
        Assert.Equal(5, await Device(b).Delivered(info.ChatId, 5));
        Assert.Equal(5, await Device(b).Delivered(info.ChatId, 3));
        Assert.Equal(5, await Device(b).Delivered(info.ChatId, 0));

        Assert.Equal(5, (await Device(b).GetPositions())[info.ChatId]);
    }

    [Fact]
    public async Task DeliveredAboveLastSeqIsClamped()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await Device(b).Connect(NewSession());
        await chat.SendMany(a, 3);

        Assert.Equal(3, await Device(b).Delivered(info.ChatId, 1_000));
        Assert.Equal(3, (await Device(b).GetPositions())[info.ChatId]);

        // Had 1,000 been stored, the next message would never be delivered.
        await chat.Send(a, "fourth");
        Assert.Equal(4, await Device(b).Delivered(info.ChatId, 4));
    }

    [Fact]
    public async Task NonMemberDeliveredIsForbidden()
    {
        var (a, outsider) = (await Grains.CreateUser("a"), await Grains.CreateUser("outsider"));
        var (chat, info) = await Grains.CreateGroup(a);
        await chat.Send(a, "hi");

        await AssertChatError(ErrorCodes.Forbidden, () => Device(outsider).Delivered(info.ChatId, 1));
        Assert.False((await Device(outsider).GetPositions()).ContainsKey(info.ChatId));
    }

    [Fact]
    public async Task LaterConnectReturnsPreviousConnectionStartAndStoredPositions()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await chat.SendMany(a, 2);

        var t0 = DateTimeOffset.UtcNow;
        var first = await Device(b).Connect("session-1");
        var t1 = DateTimeOffset.UtcNow;
        await Device(b).Disconnect("session-1");
        await chat.SendMany(a, 5);                             // seqs 3-7
        await Device(b).Delivered(info.ChatId, 4);

        var t2 = DateTimeOffset.UtcNow;
        var second = await Device(b).Connect("session-2");
        var t3 = DateTimeOffset.UtcNow;

        Assert.Equal(2, first.Positions[info.ChatId]);
        Assert.False(second.FirstConnection);
        Assert.Equal("session-2", second.SessionId);
        Assert.NotNull(second.PreviousConnectionStartedAt);
        Assert.InRange(second.PreviousConnectionStartedAt.Value, t0, t1);
        Assert.Equal(4, second.Positions[info.ChatId]);

        var third = await Device(b).Connect("session-3");
        Assert.False(third.FirstConnection);
        Assert.NotNull(third.PreviousConnectionStartedAt);
        Assert.InRange(third.PreviousConnectionStartedAt.Value, t2, t3);
        Assert.Equal(4, third.Positions[info.ChatId]);
    }

    [Fact]
    public async Task PositionsSurviveDeviceDeactivation()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await Device(b).Connect("session-1");
        await chat.SendMany(a, 3);
        await Device(b).Delivered(info.ChatId, 2);

        await fixture.Cluster.DeactivateAsync(Device(b));

        var session = await Device(b).Connect("session-2");
        Assert.False(session.FirstConnection);
        Assert.Equal(2, session.Positions[info.ChatId]);
    }

    [Fact]
    public async Task ChatJoinedAfterFirstConnectStartsAtJoinSeq()
    {
        var (owner, b) = (await Grains.CreateUser("owner"), await Grains.CreateUser("b"));
        await Device(b).Connect("session-1");
        var (chat, info) = await Grains.CreateGroup(owner);
        await chat.SendMany(owner, 4);
        await chat.AddMembers(owner.Id, [b.Id]);               // joins at seq 4
        await chat.SendMany(owner, 2);                         // seqs 5-6

        var session = await Device(b).Connect("session-2");

        Assert.False(session.FirstConnection);
        Assert.Equal(4, session.Positions[info.ChatId]);
        // Acknowledging below the join seq does not move the position back.
        Assert.Equal(4, await Device(b).Delivered(info.ChatId, 2));
        Assert.Equal(6, await Device(b).Delivered(info.ChatId, 6));
    }

    [Fact]
    public async Task ChatJoinedAfterFirstConnectStartsAtJoinSeqWhenDeliveredFirst()
    {
        var (owner, b) = (await Grains.CreateUser("owner"), await Grains.CreateUser("b"));
        await Device(b).Connect("session-1");
        var (chat, info) = await Grains.CreateGroup(owner);
        await chat.SendMany(owner, 3);
        await chat.AddMembers(owner.Id, [b.Id]);               // joins at seq 3

        // The live connection acknowledges nothing above the join yet: the position is the join seq.
        Assert.Equal(3, await Device(b).Delivered(info.ChatId, 1));
    }

    [Fact]
    public async Task ChatLeftIsDroppedFromPositions()
    {
        var (owner, b) = (await Grains.CreateUser("owner"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(owner, b);
        var (_, keptInfo) = await Grains.CreateGroup(owner, b);
        await chat.SendMany(owner, 2);
        await Device(b).Connect("session-1");

        await chat.RemoveMember(b.Id, b.Id);
        var session = await Device(b).Connect("session-2");

        Assert.False(session.Positions.ContainsKey(info.ChatId));
        Assert.True(session.Positions.ContainsKey(keptInfo.ChatId));
    }

    [Fact]
    public async Task ChatRejoinedAfterRemovalStartsAtTheNewJoinSeq()
    {
        var (owner, b) = (await Grains.CreateUser("owner"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(owner, b);
        await chat.SendMany(owner, 2);
        await Device(b).Connect("session-1");   // position 2
        await chat.RemoveMember(owner.Id, b.Id);
        await chat.SendMany(owner, 3);                         // seqs 3-5, sent while b is not a member
        await chat.AddMembers(owner.Id, [b.Id]);               // joins again at seq 5

        var session = await Device(b).Connect("session-2");

        // Protocol: the position starts at the chat's last_seq when the user joins the chat later.
        // A lower position would replay seqs 3-5, sent while b was not a member (invariant 7).
        var entry = Assert.Single(await Grains.GetGrain<IUserGrain>(b.Id).GetChatEntries(), e => e.ChatId == info.ChatId);
        Assert.Equal(5, entry.JoinSeq);
        Assert.Equal(5, session.Positions[info.ChatId]);
    }

    [Fact]
    public async Task DevicesOfOneUserKeepSeparatePositions()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await Device(b, "phone").Connect(NewSession());
        await Device(b, "laptop").Connect(NewSession());
        await chat.SendMany(a, 3);

        await Device(b, "phone").Delivered(info.ChatId, 3);

        Assert.Equal(3, (await Device(b, "phone").GetPositions())[info.ChatId]);
        Assert.Equal(0, (await Device(b, "laptop").GetPositions())[info.ChatId]);
    }

    [Fact]
    public async Task ConnectPublishesDeviceSessionStartedOnUsersStream()
    {
        var a = await Grains.CreateUser("a");
        await using var events = await fixture.Client.SubscribeUser(a.Id);

        await Device(a, "tablet").Connect("session-7");

        var started = await events.WaitFor<DeviceSessionStartedEvent>();
        Assert.Equal(new DeviceSessionStartedEvent(a.Id, "tablet", "session-7"), started);
    }
}

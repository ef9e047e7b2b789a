using ChatOrleans.Grains.Chats;

namespace ChatOrleans.Tests.Chats;

/// <summary>The member set of a chat: one list in the grain state, its lookup kept in step with it.</summary>
[Trait("Category", "Unit")]
public sealed class ChatMembersTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void LoadsTheStoredMembersAndTheirLevels()
    {
        var state = new ChatState
        {
            Members = [new ChatMember("a", Monday), new ChatMember("b", Monday)],
            AlertLevels = new() { ["b"] = NotificationLevel.None },
        };

        var members = new ChatMembers(state);

        Assert.Equal(2, members.Count);
        Assert.True(members.Contains("a"));
        Assert.False(members.Contains("c"));
        Assert.Equal(NotificationLevel.None, members.ChosenLevel("b"));
        Assert.Null(members.ChosenLevel("a"));
        Assert.Equal("a", members.Earliest);
    }

    [Fact]
    public void AddingWritesTheStateListInJoinOrderAndSkipsMembers()
    {
        var state = new ChatState();
        var members = new ChatMembers(state);

        Assert.Equal(2, members.Add(["a", "b", "a"], Monday));
        Assert.Equal(1, members.Add(["b", "c"], Monday.AddHours(1)));

        Assert.Equal(["a", "b", "c"], state.Members.Select(m => m.UserId));
        Assert.Equal(Monday.AddHours(1), state.Members[2].JoinedAt);
        Assert.Equal(3, members.Count);
        Assert.Equal(["a", "b", "c"], members.Ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void NewcomersAreTheNonMembersOnceEachInTheOrderGiven()
    {
        var members = new ChatMembers(new ChatState());
        members.Add(["a", "b"], Monday);

        Assert.Equal(["d", "c"], members.Newcomers(["d", "a", "c", "d", "b", "c"]));
        Assert.Empty(members.Newcomers(["a", "b", "a"]));
    }

    [Fact]
    public void RemovingDropsTheMemberTheirLevelAndPassesEarliestOn()
    {
        var state = new ChatState();
        var members = new ChatMembers(state);
        members.Add(["a", "b", "c"], Monday);
        Assert.True(members.ChooseLevel("a", NotificationLevel.Mentions));

        Assert.True(members.Remove("a"));

        Assert.False(members.Contains("a"));
        Assert.Equal(2, members.Count);
        Assert.Equal(["b", "c"], state.Members.Select(m => m.UserId));
        Assert.Empty(state.AlertLevels);
        Assert.Equal("b", members.Earliest);
        Assert.False(members.Remove("a"));
    }

    [Fact]
    public void RemovingEveryoneLeavesNoEarliest()
    {
        var members = new ChatMembers(new ChatState());
        members.Add(["a"], Monday);

        Assert.True(members.Remove("a"));

        Assert.Null(members.Earliest);
        Assert.Equal(0, members.Count);
    }

    [Fact]
    public void ALevelIsStoredOnlyForAMemberAndOnlyWhenItChanges()
    {
        var state = new ChatState();
        var members = new ChatMembers(state);
        members.Add(["a", "b"], Monday);

        Assert.False(members.ChooseLevel("stranger", NotificationLevel.All));
        Assert.True(members.ChooseLevel("a", NotificationLevel.All));
        Assert.False(members.ChooseLevel("a", NotificationLevel.All));
        Assert.True(members.ChooseLevel("b", NotificationLevel.None));

        Assert.Equal(2, state.AlertLevels.Count);
        Assert.Equal(["a"], members.WhoChose(NotificationLevel.All));
        Assert.Equal(["b"], members.WhoChose(NotificationLevel.None));
    }

    [Fact]
    public void AMemberAddedAgainAfterLeavingJoinsAtTheEnd()
    {
        var state = new ChatState();
        var members = new ChatMembers(state);
        members.Add(["a", "b"], Monday);
        members.Remove("a");

        members.Add(["a"], Monday.AddDays(1));

        Assert.Equal(["b", "a"], state.Members.Select(m => m.UserId));
        Assert.Equal("b", members.Earliest);
    }
}

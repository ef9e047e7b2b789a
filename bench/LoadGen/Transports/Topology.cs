namespace ChatOrleans.LoadGen.Transports;

/// <summary>A chat of a <see cref="Topology"/>: its members as user indices; the first one creates it.</summary>
public sealed record TopologyChat(int Index, int[] Members, bool IsGroup);

/// <summary>
/// Who is in which chat, as indices, independent of the transport: users <c>0..Users-1</c>, each with
/// <see cref="DevicesPerUser"/> devices numbered <c>user * DevicesPerUser + d</c>.
/// </summary>
public sealed class Topology
{
    public Topology(int users, int devicesPerUser, IReadOnlyList<TopologyChat> chats)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(devicesPerUser, 1);
        Users = users;
        DevicesPerUser = devicesPerUser;
        Chats = chats;
        var byUser = new List<int>[users];
        for (int u = 0; u < users; u++)
        {
            byUser[u] = [];
        }

        foreach (TopologyChat chat in chats)
        {
            foreach (int member in chat.Members)
            {
                byUser[member].Add(chat.Index);
            }
        }

        ChatsOfUser = byUser;
    }

    public int Users { get; }

    public int DevicesPerUser { get; }

    public int Devices => Users * DevicesPerUser;

    public IReadOnlyList<TopologyChat> Chats { get; }

    public IReadOnlyList<IReadOnlyList<int>> ChatsOfUser { get; }

    public int Groups => Chats.Count(c => c.IsGroup);

    public int Directs => Chats.Count(c => !c.IsGroup);

    public int UserOfDevice(int device) => device / DevicesPerUser;

    public int Device(int user, int deviceOfUser) => user * DevicesPerUser + deviceOfUser;

    /// <summary>Devices that get a message sent in <paramref name="chat"/>, the sending device left out.</summary>
    public int Recipients(TopologyChat chat) => chat.Members.Length * DevicesPerUser - 1;

    /// <summary>One group of all <paramref name="members"/> users, one device each (big channel fan-out).</summary>
    public static Topology SingleGroup(int members) =>
        new(members, 1, [new TopologyChat(0, [.. Enumerable.Range(0, members)], IsGroup: true)]);

    /// <summary>
    /// Users in consecutive groups of <paramref name="groupSize"/> (a short tail joins the last group) and each user in
    /// direct chats with the next <paramref name="directsPerUser"/> users (wrapping around).
    /// </summary>
    public static Topology GroupsAndDirects(int users, int devicesPerUser, int groupSize, int directsPerUser)
    {
        var chats = new List<TopologyChat>();
        if (groupSize >= 2)
        {
            int groups = Math.Max(1, users / groupSize);
            for (int g = 0; g < groups; g++)
            {
                int first = g * groupSize;
                int last = g == groups - 1 ? users : first + groupSize;
                chats.Add(new TopologyChat(chats.Count, [.. Enumerable.Range(first, last - first)], IsGroup: true));
            }
        }

        int directs = Math.Min(directsPerUser, (users - 1) / 2);
        for (int u = 0; u < users; u++)
        {
            for (int k = 1; k <= directs; k++)
            {
                chats.Add(new TopologyChat(chats.Count, [u, (u + k) % users], IsGroup: false));
            }
        }

        return new Topology(users, devicesPerUser, chats);
    }
}

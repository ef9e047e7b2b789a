using System.Security.Cryptography;
using System.Text;

namespace ChatOrleans;

/// <summary>How ids are made. Ids are opaque to clients; the prefixes only help people reading logs.</summary>
public static class ChatIds
{
    public static string NewGroupId() => "c_" + Guid.NewGuid().ToString("N");

    public static string NewUserId() => "u_" + Guid.NewGuid().ToString("N");

    public static string NewMessageId() => "m_" + Guid.CreateVersion7().ToString("N");

    /// <summary>
    /// The one direct chat of a pair has an id derived from the pair, so creating it twice, from
    /// either side and on any silo, lands on the same grain without an index.
    /// </summary>
    public static string DirectChatId(string userA, string userB)
    {
        var (low, high) = string.CompareOrdinal(userA, userB) <= 0 ? (userA, userB) : (userB, userA);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(low + "\n" + high));
        return "d_" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>The DeviceGrain key: one grain per (user, device).</summary>
    public static string DeviceKey(string userId, string deviceId) => userId + "/" + deviceId;
}

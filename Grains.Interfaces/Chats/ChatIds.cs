using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ChatOrleans;

/// <summary>How ids are made. Ids are opaque to clients; the prefixes only help people reading logs.</summary>
public static partial class ChatIds
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

    /// <summary>
    /// Whether <paramref name="id"/> has the shape <see cref="NewUserId"/> makes. Checked before an id
    /// reaches a grain: every id that does costs an activation, so only ids this server could have
    /// made get that far.
    /// </summary>
    public static bool IsUserId(string? id) => id is not null && UserIdPattern().IsMatch(id);

    /// <summary>Whether <paramref name="id"/> has the shape of a group (<c>c_</c>) or direct (<c>d_</c>) chat id.</summary>
    public static bool IsChatId(string? id) => id is not null && ChatIdPattern().IsMatch(id);

    [GeneratedRegex(@"^u_[0-9a-f]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserIdPattern();

    [GeneratedRegex(@"^[cd]_[0-9a-f]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ChatIdPattern();
}

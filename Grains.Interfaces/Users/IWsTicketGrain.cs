namespace ChatOrleans;

/// <summary>
/// The single-use check of one WebSocket ticket (key: the ticket's random nonce). The ticket's
/// signature and expiry are checked by the gateway; this grain only remembers, in memory and
/// until the ticket expires, that it was used, wherever in the cluster it is presented.
/// </summary>
[Alias("ChatOrleans.IWsTicketGrain")]
public interface IWsTicketGrain : IGrainWithStringKey
{
    /// <summary>True the first time; false for every later use.</summary>
    [Alias("TryUse")]
    Task<bool> TryUse(DateTimeOffset expiresAt);
}

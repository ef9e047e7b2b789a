namespace ChatOrleans;

/// <summary>
/// One device of one user (key: <see cref="ChatIds.DeviceKey"/>): its session and its delivery
/// position per chat. Positions, not per-message rows, are the device's inbox: what it has not
/// received is what the message log holds above them.
/// </summary>
[Alias("ChatOrleans.IDeviceGrain")]
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>Starts a session and returns what the connection needs to replay.</summary>
    [Alias("Connect")]
    Task<DeviceSession> Connect(string sessionId, string gatewayId);

    [Alias("Disconnect")]
    Task Disconnect(string sessionId);

    /// <summary>Cumulative: the device has everything up to <paramref name="seq"/>. Returns the stored position.</summary>
    [Alias("Delivered")]
    Task<long> Delivered(string chatId, long seq);

    /// <summary>
    /// A <c>delivered</c> the client sent without a <c>req_id</c>: the position moves at once
    /// (this activation answers every later call) and reaches storage shortly after, many such
    /// acks in one write, instead of one durable write per message per device.
    /// </summary>
    [Alias("NoteDelivered")]
    Task NoteDelivered(string chatId, long seq);

    /// <summary>
    /// Many unconfirmed acks at once, from a gateway that coalesced them while its previous call
    /// was in flight. The gateway has clamped each to what it sent this device, so no chat is
    /// asked for its last seq; chats the user is not in are ignored.
    /// </summary>
    [Alias("NoteDeliveredMany")]
    Task NoteDeliveredMany(IReadOnlyList<ChatPosition> positions);

    [Alias("GetPositions")]
    Task<IReadOnlyDictionary<string, long>> GetPositions();
}

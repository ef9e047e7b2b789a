namespace ChatOrleans;

/// <summary>
/// One device of one user (key: <see cref="ChatIds.DeviceKey"/>): its session and its delivery
/// position per chat. Positions, not per-message rows, are the device's inbox: what it has not
/// received is what the message log holds above them. Confirmed acks (<see cref="Delivered"/>) are
/// stored here; unconfirmed ones go from the gateways to storage in batches
/// (<see cref="IDeliveryPositionsGrain"/>) and are merged in at <see cref="Connect"/>.
/// </summary>
[Alias("ChatOrleans.IDeviceGrain")]
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>Starts a session and returns what the connection needs to replay.</summary>
    [Alias("Connect")]
    Task<DeviceSession> Connect(string sessionId);

    [Alias("Disconnect")]
    Task Disconnect(string sessionId);

    /// <summary>Cumulative: the device has everything up to <paramref name="seq"/>. Returns the stored position.</summary>
    [Alias("Delivered")]
    Task<long> Delivered(string chatId, long seq);

    /// <summary>
    /// Positions by chat: the higher of the confirmed ones this grain stores and the unconfirmed
    /// ones gateways wrote to the position store (see <see cref="IDeliveryPositionsGrain"/>).
    /// </summary>
    [Alias("GetPositions")]
    Task<IReadOnlyDictionary<string, long>> GetPositions();
}

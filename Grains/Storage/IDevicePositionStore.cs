namespace ChatOrleans.Grains.Storage;

/// <summary>
/// Devices' unconfirmed delivery positions (the <c>delivered</c> acks sent without a <c>req_id</c>),
/// kept apart from the DeviceGrain's state so a gateway's acks of many devices go to storage in one
/// write instead of one grain call and one state write per device.
/// </summary>
/// <remarks>
/// Positions only rise: a write keeps the higher of the stored and the given seq, so writes from
/// several gateways, in any order, agree without a single owner. The DeviceGrain reads them when
/// its device connects and takes, per chat, the higher of these and its own confirmed positions.
/// </remarks>
public interface IDevicePositionStore
{
    /// <summary>Raises each (device, chat) position to at least its seq, all in one durable write.</summary>
    Task RaiseAsync(IReadOnlyList<DevicePosition> positions, CancellationToken cancellationToken = default);

    /// <summary>The device's stored positions by chat id; empty when it has none.</summary>
    Task<IReadOnlyDictionary<string, long>> ReadAsync(string deviceKey, CancellationToken cancellationToken = default);
}

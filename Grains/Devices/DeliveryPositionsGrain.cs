using ChatOrleans.Grains.Storage;
using Orleans.Concurrency;

namespace ChatOrleans.Grains.Devices;

/// <summary>Writes gateways' batches of unconfirmed positions to the <see cref="IDevicePositionStore"/>, on the silo that received them.</summary>
[StatelessWorker]
public sealed class DeliveryPositionsGrain(IDevicePositionStore store) : Grain, IDeliveryPositionsGrain
{
    public Task Raise(IReadOnlyList<DevicePosition> positions) => store.RaiseAsync(positions);
}

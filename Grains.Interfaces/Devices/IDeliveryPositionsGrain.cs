namespace ChatOrleans;

/// <summary>
/// Where gateways send the unconfirmed <c>delivered</c> acks of all their devices, in batches: one
/// call and one storage write for thousands of devices, where a call to each DeviceGrain would cost
/// one call and one state write per device. A stateless worker on each silo; use key 0.
/// </summary>
/// <remarks>
/// Each position has been clamped by the gateway to what it sent that device, in a chat the device
/// follows, so no chat is asked. Positions only rise, so batches from several gateways may land in
/// any order.
/// </remarks>
[Alias("ChatOrleans.IDeliveryPositionsGrain")]
public interface IDeliveryPositionsGrain : IGrainWithIntegerKey
{
    [Alias("Raise")]
    Task Raise(IReadOnlyList<DevicePosition> positions);
}

using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace ChatOrleans.ServiceDefaults.Streaming;

/// <summary>
/// The events of one publish to one stream, as an <see cref="IEventQueueGrain"/> holds them and as
/// the pulling agent caches and delivers them. The events are the publishers' own (immutable)
/// records, so a delivery in the same process copies nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.QueuedEvents")]
public sealed record QueuedEvents(
    StreamId StreamId,
    IReadOnlyList<object> Events,
    Dictionary<string, object>? RequestContext,
    long SequenceNumber) : IBatchContainer
{
    public StreamSequenceToken SequenceToken => new EventSequenceTokenV2(SequenceNumber);

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Events.OfType<T>().Select((item, index) => Tuple.Create(item, (StreamSequenceToken)new EventSequenceTokenV2(SequenceNumber, index)));

    public bool ImportRequestContext()
    {
        if (RequestContext is null)
        {
            return false;
        }

        // Import copies the values: the batch stays as it was for its other consumers.
        RequestContextExtensions.Import(RequestContext);
        return true;
    }
}

using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Grains.Observability;

/// <summary>
/// Counts every grain call a silo receives, by grain interface, so the cost of a send in grain
/// messages (ARCHITECTURE.md, invariant 8) can be read from the metrics under real load.
/// </summary>
/// <remarks>
/// Orleans runs grain timer ticks through the same filters; they are no message and are left
/// out. The stream provider's polling of its queue grains is counted: it is a real cost, and
/// the interface tag tells it apart. Returns the call's own task rather than awaiting it, and
/// the interface name is a constant of the generated invoker, so a call costs one increment.
/// </remarks>
public sealed class GrainCallCounter(ChatMetrics metrics) : IIncomingGrainCallFilter
{
    private static readonly GrainInterfaceType TimerTick = GrainInterfaceType.Create("Orleans.Runtime.IGrainTimerInvoker");

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (!context.InterfaceType.Equals(TimerTick))
        {
            metrics.GrainCalled(context.InterfaceName);
        }

        return context.Invoke();
    }
}

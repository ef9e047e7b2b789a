namespace ChatOrleans.Grains.Hosting;

/// <summary>Grain storage provider names, shared by the grains and both profiles' silo set-up.</summary>
public static class StorageNames
{
    /// <summary>The provider every grain's <c>[PersistentState]</c> names.</summary>
    public const string GrainState = "chatstate";

    /// <summary>The name Orleans streams look up for their pub-sub state.</summary>
    public const string PubSub = "PubSubStore";
}

namespace ChatOrleans;

/// <summary>
/// The readiness of the store behind the cluster (the message log and grain state), asked by
/// cluster clients: a production gateway has no store of its own, yet cannot serve while the
/// silos' store is down, and says so on <c>/healthz/ready</c> under the store's name.
/// </summary>
[Alias("ChatOrleans.IStoreReadinessGrain")]
public interface IStoreReadinessGrain : IGrainWithIntegerKey
{
    /// <summary>The names of the silo's store checks that failed (<c>postgres</c>, <c>sqlite</c>); empty when the store answers.</summary>
    [Alias("FailingChecks")]
    Task<string[]> FailingChecks();
}

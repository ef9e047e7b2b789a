using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Gateway.Embedded;

/// <summary>
/// Stands in for the embedded silo in the production gateway's build (<c>-p:EmbeddedSilo=false</c>),
/// which has no grains to host: asked for the embedded profile, the gateway refuses to start and
/// says which setting to change.
/// </summary>
public static class EmbeddedSilo
{
    public const string RefusalMessage =
        "This gateway was built without the embedded silo (-p:EmbeddedSilo=false) and runs only as a cluster client: " +
        "set Orleans:Profile=Production (with Orleans:Redis and Orleans:Postgres), or use the default build (EmbeddedSilo=true) for the embedded profile.";

    public static WebApplicationBuilder AddEmbeddedSilo(this WebApplicationBuilder builder, DataFolder dataFolder) =>
        throw new InvalidOperationException(RefusalMessage);
}

using ChatOrleans.Grains.Hosting;
using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Gateway.Embedded;

/// <summary>
/// The silo of the embedded profile, in the gateway's own process: the chat grains, their
/// storage and the store's readiness. Compiled only in the default build (<c>EmbeddedSilo=true</c>);
/// the production gateway's build (<c>-p:EmbeddedSilo=false</c>) has the stand-in in <c>ClientOnly/</c>
/// and carries none of the grains' dependencies.
/// </summary>
public static class EmbeddedSilo
{
    public static WebApplicationBuilder AddEmbeddedSilo(this WebApplicationBuilder builder, DataFolder dataFolder)
    {
        builder.UseOrleans(silo => silo.AddChatSilo(builder.Configuration, dataFolder.Path));
        builder.Services.AddChatStoreObservability(builder.Configuration);
        return builder;
    }
}

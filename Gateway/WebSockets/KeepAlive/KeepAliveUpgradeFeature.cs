using Microsoft.AspNetCore.Http.Features;

namespace ChatOrleans.Gateway.WebSockets.KeepAlive;

/// <summary>
/// The request's upgrade, handing the WebSocket layer a <see cref="KeepAliveStream"/> over the
/// upgraded connection and keeping it in the request's features for the endpoint to find.
/// </summary>
internal sealed class KeepAliveUpgradeFeature(IHttpUpgradeFeature inner, IFeatureCollection features, TimeProvider time) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        var stream = new KeepAliveStream(await inner.UpgradeAsync(), time);
        features.Set(stream);
        return stream;
    }
}

using System.Net;
using ChatOrleans.Tests.EndToEnd;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.Cluster;

/// <summary>
/// WebSocket tickets in the production profile: a ticket taken at one gateway process opens a
/// socket at the other, once for the whole cluster.
/// </summary>
[Collection(ProductionClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class WsTicketClusterTests(ProductionCluster cluster, ITestOutputHelper output) : IClassFixture<ProductionCluster>
{
    [Fact]
    public async Task ATicketFromOneGatewayOpensOneSocketAtTheOtherAndIsThenUsedUpEverywhere()
    {
        try
        {
            await cluster.EnsureWholeAsync();
            var (east, west) = (cluster.Gateways[0], cluster.Gateways[1]);
            var alice = await E2E.RegisterAsync(east.BaseUri);

            var (ticket, _) = await WsTicketTests.TakeTicketAsync(east.BaseUri, alice.AccessToken);
            await using (var connection = await WsTicketTests.ConnectWithTicketAsync(west.BaseUri, ticket, "phone"))
            {
                Assert.Equal(alice.UserId, connection.UserId);
                await connection.PingAsync();
            }

            Assert.Equal(HttpStatusCode.Unauthorized, await WsTicketTests.RefusalAsync(WsTicketTests.TicketUri(east.BaseUri, ticket, "phone")));
            Assert.Equal(HttpStatusCode.Unauthorized, await WsTicketTests.RefusalAsync(WsTicketTests.TicketUri(west.BaseUri, ticket, "laptop")));
        }
        catch
        {
            output.WriteLine(cluster.DescribeLogs());
            throw;
        }
    }
}

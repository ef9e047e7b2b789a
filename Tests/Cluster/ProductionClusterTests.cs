using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ChatOrleans.Client;
using ChatOrleans.Tests.EndToEnd;
using Npgsql;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.Cluster;

// The grain interfaces (namespace ChatOrleans) hold a type of the same name; these tests speak the client's.
using ReadStateEvent = ChatOrleans.Client.ReadStateEvent;

/// <summary>
/// The production profile as it runs (issue 3): two backend silos and two gateways as separate
/// processes, clustered through Redis, on PostgreSQL, and killed with SIGKILL. The cluster is
/// shared by the class; each test starts by making it whole again (replacing what an earlier
/// test killed) and uses its own users and chats.
/// </summary>
[Collection(ProductionClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ProductionClusterTests(ProductionCluster cluster, ITestOutputHelper output) : IClassFixture<ProductionCluster>
{
    [Fact]
    public Task TwoSilosAndTwoGatewaysFormOneClusterThroughRedisAndEveryDeviceOnEitherGatewaySeesOneOrder() => RunAsync(async clock =>
    {
        var silos = cluster.Silos;
        var (east, west) = (cluster.Gateways[0], cluster.Gateways[1]);
        Assert.Equal(ProductionCluster.SiloCount, silos.Count);

        // One cluster, formed through Redis: both silos' rows are active under this ClusterId, and
        // the cluster's own view (the management grain, asked through a gateway) agrees.
        var rows = await cluster.ReadRedisMembershipAsync();
        Assert.Equal(
            silos.Select(s => s.SiloPort).Order(),
            rows.Where(r => r.Status == SiloStatus.Active).Select(r => r.SiloPort).Order());
        Assert.True((await cluster.GetActiveSiloPortsAsync()).SetEquals(silos.Select(s => s.SiloPort)));

        // Users registered on either gateway; each gateway takes the other's tokens.
        var alice = await E2E.RegisterAsync(east.BaseUri);
        var bob = await E2E.RegisterAsync(east.BaseUri);
        var carol = await E2E.RegisterAsync(west.BaseUri);
        var dave = await E2E.RegisterAsync(west.BaseUri);
        var chatId = (await ClusterChat.Api(west, alice).CreateGroupAsync("one order", [bob.UserId, carol.UserId, dave.UserId])).ChatId;

        await using var alicePhone = await ClusterChat.ConnectAsync(east, alice, "phone");
        await using var bobPhone = await ClusterChat.ConnectAsync(east, bob, "phone");
        await using var carolPhone = await ClusterChat.ConnectAsync(west, carol, "phone");
        await using var davePhone = await ClusterChat.ConnectAsync(west, dave, "phone");
        await using var bobLaptop = await ClusterChat.ConnectAsync(west, bob, "laptop");
        await using var carolTablet = await ClusterChat.ConnectAsync(east, carol, "tablet");
        var devices = new (string Name, ChatConnection Connection)[]
        {
            ("alice/phone@east", alicePhone), ("bob/phone@east", bobPhone), ("carol/phone@west", carolPhone),
            ("dave/phone@west", davePhone), ("bob/laptop@west", bobLaptop), ("carol/tablet@east", carolTablet),
        };
        Log(clock, "6 devices connected, 3 on each gateway");

        // Four senders on both gateways at once, each pipelining its sends.
        const int PerSender = 10;
        var senders = new[] { alicePhone, bobPhone, carolPhone, davePhone };
        var sends = senders.Select((c, i) => E2E.FireSends(c, chatId, $"s{i}", PerSender)).ToList();
        var acked = await Task.WhenAll(sends.SelectMany(s => s)).WaitAsync(ClusterChat.Wait);
        const int Total = 4 * PerSender;
        E2E.AssertRange(acked.Select(m => m.Seq).Order().ToList(), 1, Total, "acks");
        foreach (var own in sends)
        {
            // One sender's sends are handled in the order it sent them.
            var seqs = own.Select(t => t.Result.Seq).ToList();
            Assert.Equal(seqs.Order(), seqs);
        }

        var history = await ClusterChat.ReadAllHistoryAsync(ClusterChat.Api(west, dave), chatId);
        E2E.AssertRange(history.Select(m => m.Seq).ToList(), 1, Total, "history");
        Assert.Equal(acked.OrderBy(m => m.Seq).Select(m => m.MessageId), history.Select(m => m.MessageId));

        foreach (var (name, device) in devices)
        {
            await ClusterChat.WaitForSeqAsync(device, chatId, Total);
            await device.PingAsync().WaitAsync(ClusterChat.Wait);
            ClusterChat.AssertSawInOrder(device, chatId, history, 1, name);
        }

        Log(clock, $"{Total} messages: every device saw 1..{Total} in one order");

        // The chat has one activation, on one of the two silos.
        var host = await cluster.GetSiloPortOfAsync(cluster.Management.GetGrain<IChatGrain>(chatId));
        Assert.Contains(silos, s => s.SiloPort == host);
    });

    [Fact]
    public Task ASigKilledBackendSiloMidStreamLosesNoAckedMessageKeepsSeqGaplessAndRetriedSendsEndWithOneCopy() => RunAsync(async clock =>
    {
        var (east, west) = (cluster.Gateways[0], cluster.Gateways[1]);
        const int Senders = 4;
        const int Chats = 3;
        const int PerChat = 25;
        const int AcksBeforeKill = 8;

        var users = await Task.WhenAll(Enumerable.Range(0, Senders).Select(k => E2E.RegisterAsync((k % 2 == 0 ? east : west).BaseUri)));
        var reader = await E2E.RegisterAsync(east.BaseUri);
        var ownerApi = ClusterChat.Api(east, users[0]);
        var chatIds = new List<string>();
        for (var c = 0; c < Chats; c++)
        {
            var others = users.Skip(1).Select(u => u.UserId).Append(reader.UserId);
            chatIds.Add((await ownerApi.CreateGroupAsync($"failover {c}", others)).ChatId);
        }

        var connections = new ChatConnection[Senders];
        for (var k = 0; k < Senders; k++)
        {
            connections[k] = await ClusterChat.ConnectAsync(k % 2 == 0 ? east : west, users[k], "phone");
        }

        await using var readerEast = await ClusterChat.ConnectAsync(east, reader, "east");
        await using var readerWest = await ClusterChat.ConnectAsync(west, reader, "west");
        try
        {
            // The victim: a silo that hosts one of the chats (creating a chat activated it).
            var placement = new List<int?>();
            foreach (var chatId in chatIds)
            {
                placement.Add(await cluster.GetSiloPortOfAsync(cluster.Management.GetGrain<IChatGrain>(chatId)));
            }

            var victimPort = placement.FirstOrDefault(p => p is not null);
            Assert.True(victimPort is not null, "the cluster knows no activation of the new chats");
            var victim = cluster.Silos.Single(s => s.SiloPort == victimPort);
            var survivor = cluster.Silos.Single(s => s != victim);
            Log(clock, $"chats on silo ports [{string.Join(",", placement)}]; killing {victim.Name} ({victim.SiloPort}), keeping {survivor.Name} ({survivor.SiloPort})");

            // Every sender streams into every chat, one message at a time, retrying each with its
            // own client_msg_id until it is acked.
            var stats = new SendStats();
            var acked = new ConcurrentDictionary<string, Message>();
            var ackCounts = new int[Senders];
            var enoughBeforeKill = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(150));
            var streams = Enumerable.Range(0, Senders).Select(k => Task.Run(async () =>
            {
                for (var i = 1; i <= PerChat; i++)
                {
                    foreach (var chatId in chatIds)
                    {
                        var clientMsgId = $"s{k}-{i}";
                        var message = await ClusterChat.SendUntilAckedAsync(
                            connections[k], chatId, clientMsgId, $"sender {k} message {i}", stats, giveUp.Token);
                        Assert.True(acked.TryAdd($"{chatId}/{clientMsgId}", message));
                        Interlocked.Increment(ref ackCounts[k]);
                        if (Enumerable.Range(0, Senders).All(j => Volatile.Read(ref ackCounts[j]) >= AcksBeforeKill))
                        {
                            enoughBeforeKill.TrySetResult();
                        }
                    }
                }
            })).ToList();

            await enoughBeforeKill.Task.WaitAsync(ClusterChat.Wait);
            var ackedBeforeKill = acked.Count;
            await ProductionCluster.KillAsync(victim);
            var killedAt = clock.Elapsed;
            Log(clock, $"SIGKILL {victim.Name} with {ackedBeforeKill} of {Senders * Chats * PerChat} sends acked");

            await Task.WhenAll(streams).WaitAsync(TimeSpan.FromSeconds(150));
            Log(clock, $"all senders done {(clock.Elapsed - killedAt).TotalSeconds:F1}s after the kill: {stats}");
            await cluster.WaitForActiveSilosAsync([survivor]);
            Log(clock, $"membership lists only {survivor.Name}");

            // The kill did land mid-stream: some sends got no ack and were retried.
            Assert.True(stats.FailureCount > 0, $"no send failed, so the kill interrupted nothing: {stats}");

            var api = ClusterChat.Api(west, reader);
            foreach (var chatId in chatIds)
            {
                var history = await ClusterChat.ReadAllHistoryAsync(api, chatId);

                // Gapless, no repeat; each (sender, client_msg_id) exactly once, every one of them there.
                E2E.AssertRange(history.Select(m => m.Seq).ToList(), 1, Senders * PerChat, $"history of {chatId}");
                var expectedKeys = Enumerable.Range(0, Senders)
                    .SelectMany(k => Enumerable.Range(1, PerChat).Select(i => (users[k].UserId, $"s{k}-{i}")))
                    .Order().ToList();
                Assert.Equal(expectedKeys, history.Select(m => (m.SenderId, m.ClientMsgId)).Order().ToList());

                // Every acked message is in the history as acked: same id, same seq.
                foreach (var (key, message) in acked.Where(a => a.Key.StartsWith(chatId + "/", StringComparison.Ordinal)))
                {
                    Assert.True(
                        history[(int)message.Seq - 1].MessageId == message.MessageId,
                        $"{key} was acked as {message.MessageId} at seq {message.Seq}; the history holds {history[(int)message.Seq - 1].MessageId} there");
                }
            }

            // The chats keep working, now on the surviving silo.
            var final = new Dictionary<string, long>();
            foreach (var chatId in chatIds)
            {
                for (var k = 0; k < Senders; k++)
                {
                    var after = await ClusterChat.SendUntilAckedAsync(connections[k], chatId, $"after-{k}", "after the failover", stats, giveUp.Token);
                    final[chatId] = after.Seq;
                }

                Assert.Equal(Senders * (PerChat + 1), final[chatId]);
                Assert.Equal(survivor.SiloPort, await cluster.GetSiloPortOfAsync(cluster.Management.GetGrain<IChatGrain>(chatId)));
            }

            // A device on each gateway, connected all along, saw each chat in order, each message
            // once: what the dead silo's streams lost in flight came from the log.
            foreach (var chatId in chatIds)
            {
                var history = await ClusterChat.ReadAllHistoryAsync(api, chatId);
                foreach (var (name, device) in new[] { ("reader@east", readerEast), ("reader@west", readerWest) })
                {
                    await ClusterChat.WaitForSeqAsync(device, chatId, final[chatId]);
                    await device.PingAsync().WaitAsync(ClusterChat.Wait);
                    ClusterChat.AssertSawInOrder(device, chatId, history, 1, $"{name} in {chatId}");
                }
            }

            Log(clock, "the chats work on the surviving silo; both readers saw every chat in order");
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    });

    [Fact]
    public Task ASigKilledGatewaysDevicesReconnectToTheOtherGatewayAndReplayDeliversExactlyWhatEachHadNotAcknowledged() => RunAsync(async clock =>
    {
        var (victim, other) = (cluster.Gateways[0], cluster.Gateways[1]);

        // alice's and bob's tokens come from the gateway that is about to die.
        var alice = await E2E.RegisterAsync(victim.BaseUri);
        var bob = await E2E.RegisterAsync(victim.BaseUri);
        var carol = await E2E.RegisterAsync(other.BaseUri);
        var chatId = (await ClusterChat.Api(victim, alice).CreateGroupAsync("gateway failover", [bob.UserId, carol.UserId])).ChatId;

        var alicePhone = await ClusterChat.ConnectAsync(victim, alice, "phone");
        var bobPhone = await ClusterChat.ConnectAsync(victim, bob, "phone");
        var bobLaptop = await ClusterChat.ConnectAsync(victim, bob, "laptop");
        var carolPhone = await ClusterChat.ConnectAsync(victim, carol, "phone");
        await using var carolLaptop = await ClusterChat.ConnectAsync(other, carol, "laptop");
        ChatConnection[] onVictim = [alicePhone, bobPhone, bobLaptop, carolPhone];

        var sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 8);
        E2E.AssertRange(sent.Select(m => m.Seq).ToList(), 1, 8, "acks before the kill");
        foreach (var device in onVictim.Append(carolLaptop))
        {
            await ClusterChat.WaitForSeqAsync(device, chatId, 8);
        }

        // What each device acknowledged (delivered) before its gateway dies; carol's phone, nothing.
        var acknowledged = new Dictionary<string, long> { ["alice/phone"] = 8, ["bob/phone"] = 3, ["bob/laptop"] = 8, ["carol/phone"] = 0 };
        await alicePhone.DeliveredAsync(chatId, 8);
        await bobPhone.DeliveredAsync(chatId, 3);
        await bobLaptop.DeliveredAsync(chatId, 8);

        // A send in flight as the gateway dies: acked or not, the retry on the other gateway must
        // end with exactly one copy.
        var inFlight = alicePhone.SendMessageAsync(chatId, "in-flight", "sent as the gateway dies");
        await ProductionCluster.KillAsync(victim);
        await Task.WhenAll(onVictim.Select(d => d.Closed)).WaitAsync(ClusterChat.Wait);
        var inFlightFailure = await Record.ExceptionAsync(() => inFlight);
        Log(clock, $"SIGKILL {victim.Name}; its 4 sockets closed; the in-flight send {(inFlightFailure is null ? $"was acked at seq {inFlight.Result.Seq}" : $"failed: {inFlightFailure.GetType().Name}")}");
        foreach (var device in onVictim)
        {
            await device.DisposeAsync();
        }

        // The chat goes on through the other gateway meanwhile.
        var whileAway = await E2E.SendSequentiallyAsync(carolLaptop, chatId, "away", 3);

        // alice's phone comes back on the other gateway, same device id, the dead gateway's token.
        await using var aliceAgain = await ClusterChat.ConnectAsync(other, alice, "phone");
        var retried = await ClusterChat.SendUntilAckedAsync(aliceAgain, chatId, "in-flight", "sent as the gateway dies", new SendStats(), CancellationToken.None);
        if (inFlightFailure is null)
        {
            Assert.Equal(inFlight.Result, retried);
        }

        var api = ClusterChat.Api(other, carol);
        var history = await ClusterChat.ReadAllHistoryAsync(api, chatId);
        var last = history[^1].Seq;
        E2E.AssertRange(history.Select(m => m.Seq).ToList(), 1, 12, "history after the gateway died");
        Assert.Single(history, m => m.SenderId == alice.UserId && m.ClientMsgId == "in-flight");
        Assert.Equal(whileAway.Select(m => m.MessageId), history.Where(m => m.ClientMsgId.StartsWith("away-", StringComparison.Ordinal)).Select(m => m.MessageId));

        // The other devices come back on the other gateway: each replay is exactly the messages
        // above what that device acknowledged, in order, then sync_done.
        await using var bobPhoneAgain = await ClusterChat.ConnectAsync(other, bob, "phone");
        await using var bobLaptopAgain = await ClusterChat.ConnectAsync(other, bob, "laptop");
        await using var carolPhoneAgain = await ClusterChat.ConnectAsync(other, carol, "phone");
        var reconnected = new (string Name, ChatConnection Connection)[]
        {
            ("bob/phone", bobPhoneAgain), ("bob/laptop", bobLaptopAgain), ("carol/phone", carolPhoneAgain),
        };
        foreach (var (name, device) in reconnected)
        {
            var replay = E2E.ReplayedFrames(device);
            var position = acknowledged[name];

            // Besides messages, a replay may carry read_state (carol read by sending from her laptop).
            Assert.All(replay, f => Assert.True(f is NewMessageEvent or ReadStateEvent, $"{name}: unexpected {E2E.Describe(f)} in the replay"));
            var replayed = replay.OfType<NewMessageEvent>().Select(e => e.Message).Where(m => m.ChatId == chatId).ToList();
            E2E.AssertRange(replayed.Select(m => m.Seq).ToList(), position + 1, last, $"{name} replay");
            Assert.Equal(history.Where(m => m.Seq > position).Select(m => m.MessageId), replayed.Select(m => m.MessageId));
            Assert.Equal(replay.Count, (await device.SyncDone).Replayed);
        }

        Log(clock, $"replays on {other.Name}: bob/phone {last - 3}, bob/laptop {last - 8}, carol/phone {last} messages");

        // Live again: the next message reaches every device once, after its replay.
        var next = await carolLaptop.SendMessageAsync(chatId, "after", "everyone back");
        Assert.Equal(last + 1, next.Seq);
        history = await ClusterChat.ReadAllHistoryAsync(api, chatId);
        foreach (var (name, device) in reconnected.Append(("alice/phone", aliceAgain)))
        {
            await ClusterChat.WaitForSeqAsync(device, chatId, next.Seq);
            await device.PingAsync().WaitAsync(ClusterChat.Wait);
            ClusterChat.AssertSawInOrder(device, chatId, history, acknowledged[name] + 1, $"{name} after reconnecting");
        }

        // carol's laptop, on the surviving gateway all along, saw everything once, in order.
        await ClusterChat.WaitForSeqAsync(carolLaptop, chatId, next.Seq);
        await carolLaptop.PingAsync().WaitAsync(ClusterChat.Wait);
        ClusterChat.AssertSawInOrder(carolLaptop, chatId, history, 1, "carol/laptop");
    });

    [Fact]
    public Task ASecondRowForTheSameChatSeqIsRefusedByTheDatabaseAndTheChatRecoversFromTheLog() => RunAsync(async clock =>
    {
        var (east, west) = (cluster.Gateways[0], cluster.Gateways[1]);
        var alice = await E2E.RegisterAsync(east.BaseUri);
        var bob = await E2E.RegisterAsync(west.BaseUri);
        var chatId = (await ClusterChat.Api(east, alice).CreateGroupAsync("double write", [bob.UserId])).ChatId;
        await using var alicePhone = await ClusterChat.ConnectAsync(east, alice, "phone");
        await using var bobPhone = await ClusterChat.ConnectAsync(west, bob, "phone");

        // The chat's activation now holds last seq 3 in memory.
        var first = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 3);
        E2E.AssertRange(first.Select(m => m.Seq).ToList(), 1, 3, "first acks");

        // Another writer takes seq 4 behind the activation's back, as a second activation during a
        // membership change would. Then the database refuses anyone a second row at seq 4.
        await using var database = new NpgsqlConnection(cluster.PostgresConnectionString);
        await database.OpenAsync();
        var forcedId = ChatIds.NewMessageId();
        await InsertMessageAsync(database, chatId, 4, forcedId, alice.UserId, "forced-4", "written by another activation");
        var refused = await Assert.ThrowsAsync<PostgresException>(
            () => InsertMessageAsync(database, chatId, 4, ChatIds.NewMessageId(), alice.UserId, "forced-4b", "a second claim on seq 4"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, refused.SqlState);
        Assert.Equal("messages_pkey", refused.ConstraintName);

        // The chat's own next write claims seq 4 as well: refused, it reloads from the log and
        // writes at 5, without losing or repeating anything.
        var next = await alicePhone.SendMessageAsync(chatId, "m-4", "after the forced row");
        Assert.Equal(5, next.Seq);
        Assert.Equal("m-4", next.ClientMsgId);
        var refusals = cluster.AllProcesses
            .Where(p => p.Role == ClusterRole.Silo)
            .SelectMany(p => p.LogLinesContaining($"Chat {chatId}: the log refused a write"))
            .ToList();
        Assert.True(refusals.Count > 0, "no silo logged the refused write");
        Log(clock, $"the refused write, as a silo logged it: {refusals[0]}");

        // The order goes on: a burst, and a retry of the recovered send that returns the original.
        var burst = await Task.WhenAll(E2E.FireSends(alicePhone, chatId, "n", 10)).WaitAsync(ClusterChat.Wait);
        E2E.AssertRange(burst.Select(m => m.Seq).ToList(), 6, 15, "burst acks");
        Assert.Equal(next, await alicePhone.SendMessageAsync(chatId, "m-4", "a retry"));

        var history = await ClusterChat.ReadAllHistoryAsync(ClusterChat.Api(west, bob), chatId);
        E2E.AssertRange(history.Select(m => m.Seq).ToList(), 1, 15, "history");
        Assert.Equal(forcedId, history[3].MessageId);
        Assert.Equal(next, history[4]);
        Assert.Equal(history.Count, history.Select(m => (m.SenderId, m.ClientMsgId)).Distinct().Count());

        // bob's device got the forced row too (from the log, as the next live event showed the gap), in order, once.
        await ClusterChat.WaitForSeqAsync(bobPhone, chatId, 15);
        await bobPhone.PingAsync().WaitAsync(ClusterChat.Wait);
        ClusterChat.AssertSawInOrder(bobPhone, chatId, history, 1, "bob/phone");
    });

    [Fact]
    public Task MediaUploadedThroughOneGatewayIsCheckedOnASiloAndReadOnTheOtherGatewayFromTheBlobStore() => RunAsync(async clock =>
    {
        var (east, west) = (cluster.Gateways[0], cluster.Gateways[1]);
        var alice = await E2E.RegisterAsync(east.BaseUri);
        var bob = await E2E.RegisterAsync(west.BaseUri);
        var chatId = (await ClusterChat.Api(east, alice).CreateGroupAsync("pictures", [bob.UserId])).ChatId;
        await using var bobPhone = await ClusterChat.ConnectAsync(west, bob, "phone");
        await using var alicePhone = await ClusterChat.ConnectAsync(east, alice, "phone");

        // The gateway signs a SAS URL, the client PUTs to the blob store, a silo checks the bytes.
        var png = Media.TestFiles.Png(300, 200);
        var media = await ClusterChat.Api(east, alice).UploadMediaAsync("p.png", "image/png", png);
        Assert.Equal("ready", media.Status);
        Assert.Equal((300, 200), (media.Width, media.Height));
        Log(clock, "uploaded and checked");

        var sent = await alicePhone.SendMessageAsync(chatId, "m1", null, [media.MediaId]);
        var received = Assert.Single((await ClusterChat.WaitForSeqAsync(bobPhone, chatId, sent.Seq)).Message.Media);
        using var anonymous = new HttpClient();
        Assert.Equal(png, await anonymous.GetByteArrayAsync(received.Url));
        Assert.Equal((300, 200), Media.TestFiles.DecodeSize(await anonymous.GetByteArrayAsync(received.ThumbnailUrl)));
    });

    private static async Task InsertMessageAsync(
        NpgsqlConnection database, string chatId, long seq, string messageId, string senderId, string clientMsgId, string text)
    {
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO messages (chat_id, seq, message_id, sender_id, sender_device_id, client_msg_id, text, created_at)
            VALUES (@chat_id, @seq, @message_id, @sender_id, 'other-activation', @client_msg_id, @text, @created_at);
            """,
            database);
        insert.Parameters.AddWithValue("chat_id", chatId);
        insert.Parameters.AddWithValue("seq", seq);
        insert.Parameters.AddWithValue("message_id", messageId);
        insert.Parameters.AddWithValue("sender_id", senderId);
        insert.Parameters.AddWithValue("client_msg_id", clientMsgId);
        insert.Parameters.AddWithValue("text", text);
        insert.Parameters.AddWithValue("created_at", DateTimeOffset.UtcNow.UtcTicks);
        Assert.Equal(1, await insert.ExecuteNonQueryAsync());
    }

    /// <summary>Makes the cluster whole, runs the test, and on failure prints every process's last output.</summary>
    private async Task RunAsync(Func<Stopwatch, Task> test)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await cluster.EnsureWholeAsync();
            Log(clock, $"cluster {cluster.ClusterId} whole: {string.Join(", ", cluster.Silos.Concat(cluster.Gateways))}");
            await test(clock);
            Log(clock, "passed");
        }
        catch
        {
            Log(clock, "failed; the processes' last output follows");
            output.WriteLine(cluster.DescribeLogs());
            throw;
        }
    }

    private void Log(Stopwatch clock, string what) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:F1}s] {what}"));
}

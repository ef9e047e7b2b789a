using System.Buffers;
using System.Net;
using System.Threading.Channels;
using ChatOrleans.Notifications;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Net;
using SmtpServer.Storage;
using static ChatOrleans.Tests.Notifications.Senders.SenderTestHelpers;

// MailKit defines an SmtpResponse too; the server's is the one a message store returns.
using SmtpResponse = SmtpServer.Protocol.SmtpResponse;

namespace ChatOrleans.Tests.Notifications.Senders;

/// <summary>The SMTP client against an in-process SMTP server on loopback.</summary>
[Trait("Category", "Integration")]
public sealed class SmtpEmailSenderTests : IAsyncDisposable
{
    private readonly Channel<(MimeMessage Message, string EnvelopeFrom, string[] EnvelopeTo, string? User)> _received = Channel.CreateUnbounded<(MimeMessage, string, string[], string?)>();
    private readonly CancellationTokenSource _stop = new();
    private SmtpServer.SmtpServer? _server;
    private ServiceProvider? _services;

    public async ValueTask DisposeAsync()
    {
        _services?.Dispose();
        if (_server is not null)
        {
            _server.Shutdown();
            await _server.ShutdownTask.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await _stop.CancelAsync();
        _stop.Dispose();
    }

    /// <summary>Starts the relay and waits until it listens; with a password it takes mail only after login.</summary>
    private async Task<int> StartRelayAsync(string? user = null, string? password = null)
    {
        var port = FreePorts.Next();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("relay.test")
            .Endpoint(e =>
            {
                e.Endpoint(new IPEndPoint(IPAddress.Loopback, port));
                if (user is not null)
                {
                    e.AuthenticationRequired(true).AllowUnsecureAuthentication(true);
                }
            })
            .Build();

        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, _) => listening.TrySetResult();
        var provider = new SmtpServer.ComponentModel.ServiceProvider();
        provider.Add(listeners);
        provider.Add(new Store(_received.Writer));
        if (user is not null)
        {
            provider.Add(new DelegatingUserAuthenticator((u, p) => u == user && p == password));
        }

        _server = new SmtpServer.SmtpServer(options, provider);
        _ = _server.StartAsync(_stop.Token);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return port;
    }

    private IEmailSender Sender(int port, string? user = null, string? password = null)
    {
        _services = Services(new Dictionary<string, string?>
        {
            ["Notifications:Smtp:Host"] = "127.0.0.1",
            ["Notifications:Smtp:Port"] = port.ToString(),
            ["Notifications:Smtp:Security"] = "None",
            ["Notifications:Smtp:From"] = "notifications@chat.example",
            ["Notifications:Smtp:FromName"] = "Chat",
            ["Notifications:Smtp:Username"] = user,
            ["Notifications:Smtp:Password"] = password,
            ["Notifications:Smtp:Timeout"] = "00:00:05",
        });
        return _services.GetRequiredService<IEmailSender>();
    }

    [Fact]
    public async Task TheEmailArrivesWithItsSenderRecipientSubjectAndBody()
    {
        var port = await StartRelayAsync();

        await Sender(port).SendAsync(new EmailMessage("ada@example.org", "3 unread messages", "Grace: lunch at noon?\nAlan: 👍"), CancellationToken.None);

        var (message, envelopeFrom, envelopeTo, _) = await _received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("notifications@chat.example", envelopeFrom);
        Assert.Equal(["ada@example.org"], envelopeTo);
        var from = Assert.IsType<MailboxAddress>(Assert.Single(message.From));
        Assert.Equal("notifications@chat.example", from.Address);
        Assert.Equal("Chat", from.Name);
        Assert.Equal("ada@example.org", Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Address);
        Assert.Equal("3 unread messages", message.Subject);
        Assert.Equal("Grace: lunch at noon?\nAlan: 👍", message.TextBody?.ReplaceLineEndings("\n").TrimEnd('\n'));
    }

    [Fact]
    public async Task WithCredentialsTheSenderLogsInFirst()
    {
        var port = await StartRelayAsync("mailer", "s3cret");

        await Sender(port, "mailer", "s3cret").SendAsync(new EmailMessage("ada@example.org", "Hello", "Hi"), CancellationToken.None);

        var received = await _received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("mailer", received.User);
    }

    [Fact]
    public async Task ARelayThatRefusesTheLoginMakesTheSendThrow()
    {
        var port = await StartRelayAsync("mailer", "s3cret");

        await Assert.ThrowsAnyAsync<Exception>(() => Sender(port, "mailer", "wrong").SendAsync(new EmailMessage("ada@example.org", "Hello", "Hi"), CancellationToken.None));
        Assert.False(_received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task ARelayThatIsNotThereMakesTheSendThrow()
    {
        var sender = Sender(FreePorts.Next());

        await Assert.ThrowsAnyAsync<Exception>(() => sender.SendAsync(new EmailMessage("ada@example.org", "Hello", "Hi"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
    }

    private sealed class Store(ChannelWriter<(MimeMessage, string, string[], string?)> received) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            var from = $"{transaction.From.User}@{transaction.From.Host}";
            var to = transaction.To.Select(m => $"{m.User}@{m.Host}").ToArray();
            await received.WriteAsync((message, from, to, context.Authentication.User), cancellationToken);
            return SmtpResponse.Ok;
        }
    }
}

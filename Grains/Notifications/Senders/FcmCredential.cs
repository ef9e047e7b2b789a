using System.Security.Cryptography;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Http;
using Google.Apis.Json;
using Google.Apis.Util;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// The service account's OAuth 2.0 credential, as Google.Apis.Auth keeps it: it trades an RS256
/// assertion (RFC 7523 JWT bearer grant) for an access token of about an hour, reuses the token
/// for every send, and fetches the next one shortly before it expires, one exchange for all the
/// sends that find it stale.
/// </summary>
internal static class FcmCredential
{
    public const string Scope = "https://www.googleapis.com/auth/firebase.messaging";
    public const string DefaultTokenUri = "https://oauth2.googleapis.com/token";

    /// <summary>The fields of a service-account key file (JSON), as Google reads them.</summary>
    public static JsonCredentialParameters Load(string path)
    {
        JsonCredentialParameters? account;
        try
        {
            account = NewtonsoftJsonSerializer.Instance.Deserialize<JsonCredentialParameters>(File.ReadAllText(path));
        }
        catch (Newtonsoft.Json.JsonException e)
        {
            throw new InvalidOperationException($"{path} is not a service-account key file (JSON)", e);
        }

        if (account?.PrivateKey is null || account.ClientEmail is null)
        {
            throw new InvalidOperationException($"{path} lacks private_key or client_email: is it a service-account key file?");
        }

        return account;
    }

    /// <summary>
    /// The credential for <paramref name="account"/>, asking <paramref name="tokenUri"/>. Its
    /// requests go through the host's named HTTP client <paramref name="httpClientName"/>, as
    /// FCM's own do, and are bounded by <paramref name="timeout"/>; the clock is the host's.
    /// </summary>
    public static ServiceAccountCredential Create(
        JsonCredentialParameters account, Uri tokenUri, TimeProvider time, IHttpMessageHandlerFactory handlers, string httpClientName, TimeSpan timeout)
    {
        var key = RSA.Create();
        try
        {
            key.ImportFromPem(account.PrivateKey);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidOperationException("the service account's private_key is not a readable RSA private key", e);
        }

        return new ServiceAccountCredential(new ServiceAccountCredential.Initializer(account.ClientEmail, tokenUri.ToString())
        {
            ProjectId = account.ProjectId,
            KeyId = account.PrivateKeyId,
            Key = key,
            Scopes = [Scope],
            Clock = new Clock(time),
            HttpClientFactory = new HttpClientFromMessageHandlerFactory(_ =>
                new HttpClientFromMessageHandlerFactory.ConfiguredHttpMessageHandler(
                    new HostHandler(handlers, httpClientName, timeout), performsAutomaticDecompression: false, handlesRedirect: false)),
            // As before the library: a refused or unreachable token endpoint fails the send at
            // once, and the notification pipeline decides about trying again.
            DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
        });
    }

    /// <summary>The host's <see cref="TimeProvider"/> as Google's clock, so that tests can move it.</summary>
    private sealed class Clock(TimeProvider time) : IClock
    {
        public DateTime Now => time.GetLocalNow().DateTime;

        public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
    }

    /// <summary>
    /// Hands each request to the named client's current handler, which the host's factory
    /// renews on its schedule; a handler kept by the credential for the process' life would not be.
    /// </summary>
    private sealed class HostHandler(IHttpMessageHandlerFactory handlers, string name, TimeSpan timeout) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var invoker = new HttpMessageInvoker(handlers.CreateHandler(name), disposeHandler: false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var response = await invoker.SendAsync(request, deadline.Token).ConfigureAwait(false);
            try
            {
                // The whole answer within the deadline, not only its headers.
                await response.Content.LoadIntoBufferAsync(deadline.Token).ConfigureAwait(false);
                return response;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }
}

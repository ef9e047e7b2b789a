using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatOrleans.Notifications.Senders;

/// <summary>The fields of a Google service-account key file that the OAuth 2.0 JWT flow uses.</summary>
internal sealed record FcmServiceAccount(
    [property: JsonPropertyName("project_id")] string? ProjectId,
    [property: JsonPropertyName("private_key_id")] string? PrivateKeyId,
    [property: JsonPropertyName("private_key")] string? PrivateKey,
    [property: JsonPropertyName("client_email")] string? ClientEmail,
    [property: JsonPropertyName("token_uri")] string? TokenUri)
{
    public const string DefaultTokenUri = "https://oauth2.googleapis.com/token";

    public static FcmServiceAccount Load(string path)
    {
        FcmServiceAccount? account;
        try
        {
            account = JsonSerializer.Deserialize<FcmServiceAccount>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not a service-account key file (JSON)", e);
        }

        if (account?.PrivateKey is null || account.ClientEmail is null)
        {
            throw new InvalidOperationException($"{path} lacks private_key or client_email: is it a service-account key file?");
        }

        return account;
    }
}

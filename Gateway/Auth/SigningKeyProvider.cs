using System.Security.Cryptography;
using ChatOrleans.Gateway.Hosting;
using ChatOrleans.Gateway.Options;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// The token signing key: from configuration when set (a cluster shares one), otherwise a
/// random key kept in the data folder so that a restarted process accepts its tokens.
/// </summary>
public sealed class SigningKeyProvider
{
    public SigningKeyProvider(IOptions<AuthOptions> options, DataFolder dataFolder)
    {
        var configured = options.Value.SigningKey;
        byte[] bytes;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            bytes = Convert.FromBase64String(configured);
        }
        else
        {
            var path = Path.Combine(dataFolder.Path, "token-signing.key");
            if (File.Exists(path))
            {
                bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
            }
            else
            {
                bytes = RandomNumberGenerator.GetBytes(32);
                File.WriteAllText(path, Convert.ToBase64String(bytes));
            }
        }

        if (bytes.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes (base64).");
        }

        Key = new SymmetricSecurityKey(bytes);
    }

    public SymmetricSecurityKey Key { get; }
}

using System.Security.Cryptography;
using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// The token signing key: from configuration when set (a cluster shares one), otherwise a
/// random key kept in the data folder so that a restarted process accepts its tokens.
/// </summary>
/// <remarks>
/// Whoever reads the key file mints tokens and signed URLs for anyone: it is written 0600 from
/// its first byte (created with that mode under a temporary name, then linked into place), and a
/// key found with wider permissions is narrowed at start.
/// </remarks>
public sealed class SigningKeyProvider
{
    public const string FileName = "token-signing.key";

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
            var path = Path.Combine(dataFolder.Path, FileName);
            if (!File.Exists(path))
            {
                TryCreate(path);
            }

            dataFolder.NoteCorrection(DataFolder.RestrictToOwner(path));
            bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        if (bytes.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes (base64).");
        }

        Key = new SymmetricSecurityKey(bytes);
    }

    public SymmetricSecurityKey Key { get; }

    /// <summary>Writes a fresh key unless another process got there first (then its key is used).</summary>
    private static void TryCreate(string path)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = DataFolder.SecretFileMode;
        }

        try
        {
            using (var stream = new FileStream(temporary, file))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            // Never overwrites: of two processes starting at once, the first key stays.
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process wrote the key meanwhile: the caller reads that one.
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}

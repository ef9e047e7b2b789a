using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ChatOrleans.ServiceDefaults.Media;

/// <summary>
/// Uploads, their limits and where their bytes live (configuration section <c>Media</c>). Silos
/// and gateways read the same section: silos check and store, gateways sign URLs.
/// </summary>
public sealed class MediaOptions : IValidatableObject
{
    public const string SectionName = "Media";

    /// <summary>PROTOCOL.md, Limits: the types an upload may declare.</summary>
    public static readonly IReadOnlyList<string> DefaultAllowedTypes =
    [
        "image/png", "image/jpeg", "image/gif", "image/webp",
        "video/mp4", "video/webm", "video/quicktime",
        "audio/mpeg", "audio/ogg", "audio/wav", "audio/mp4",
        "application/pdf", "text/plain", "application/zip",
    ];

    /// <summary>
    /// Where the bytes live. Unset: <see cref="MediaStoreKind.AzureBlob"/> in the production
    /// profile, <see cref="MediaStoreKind.Local"/> in the embedded one.
    /// </summary>
    public MediaStoreKind? Store { get; set; }

    /// <summary>Largest upload in bytes (<c>too_large</c> above).</summary>
    [SettingRange(1, long.MaxValue, ErrorMessage = "Media:MaxUploadBytes must be positive.")]
    public long MaxUploadBytes { get; set; } = 104_857_600;

    /// <summary>
    /// Bytes one user may declare in new uploads in any 24 hours, through every gateway together
    /// (<c>rate_limited</c> with <c>retry_after_ms</c> above). Default 5 GiB.
    /// </summary>
    [SettingRange(1, long.MaxValue, ErrorMessage = "Media:MaxUploadBytesPerDay must be positive.")]
    public long MaxUploadBytesPerDay { get; set; } = 5L * 1024 * 1024 * 1024;

    /// <summary>
    /// Uploads one user may have opened and not completed at once (<c>rate_limited</c> above);
    /// one stops counting when completed or when its upload URL expires.
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Media:MaxPendingUploads must be positive.")]
    public int MaxPendingUploads { get; set; } = 50;

    /// <summary>
    /// The allowed types, replacing the default list when set (a list binds by appending, so
    /// the default lives apart). E.g. <c>Media:AllowedTypes:0=image/png</c>.
    /// </summary>
    public string[]? AllowedTypes { get; set; }

    /// <summary>How long a signed read URL (<c>url</c>, <c>thumbnail_url</c>) works.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "Media:UrlLifetime must be positive.")]
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an <c>upload_url</c> works.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "Media:UploadUrlLifetime must be positive.")]
    public TimeSpan UploadUrlLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Uploads never attached to a message are removed once they are this old.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "Media:UnattachedRetention must be positive.")]
    public TimeSpan UnattachedRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often each silo looks for unattached uploads to remove.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "Media:SweepPeriod must be positive.")]
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longer side of a thumbnail, in pixels; smaller images keep their size.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Media:ThumbnailMaxSide must be positive.")]
    public int ThumbnailMaxSide { get; set; } = 320;

    /// <summary>Images above this many pixels get their dimensions but no thumbnail (decoding them costs too much memory).</summary>
    public long ThumbnailMaxSourcePixels { get; set; } = 50_000_000;

    /// <summary>The ffmpeg that makes video poster frames; without it videos get no thumbnail.</summary>
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>How long ffmpeg may take for one poster frame.</summary>
    public TimeSpan FfmpegTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The scheme and host that local signed URLs start with (e.g. <c>https://chat.example.com</c>)
    /// when the gateway sits behind a proxy. Unset: the scheme and host of the request.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    public LocalMediaOptions Local { get; set; } = new();

    public AzureBlobMediaOptions Azure { get; set; } = new();

    /// <summary>
    /// The profile this process runs (<c>Orleans:Profile</c>), which picks the default store and
    /// so which store settings are needed; set by the host, not bound from this section.
    /// </summary>
    internal DeploymentProfile Profile { get; set; }

    public IReadOnlyList<string> EffectiveAllowedTypes =>
        AllowedTypes is { Length: > 0 } configured ? configured : DefaultAllowedTypes;

    public MediaStoreKind EffectiveStore(DeploymentProfile profile) =>
        Store ?? (profile == DeploymentProfile.Production ? MediaStoreKind.AzureBlob : MediaStoreKind.Local);

    /// <summary>
    /// The options of this configuration, checked: a bad setting fails the start, not the first
    /// upload. Read eagerly, as well as through <c>ValidateOnStart</c>: the store is chosen while
    /// the services are registered, so the same generated validator runs here first.
    /// </summary>
    public static MediaOptions From(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var options = new MediaOptions { Profile = DeploymentOptions.From(configuration).Profile };
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(SectionName), options);
        ValidatedOptions.ThrowIfInvalid(new MediaOptionsValidator(), options);
        return options;
    }

    /// <summary>The settings of the store in use, which depend on <see cref="Store"/> and the profile.</summary>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        var store = EffectiveStore(Profile);
        if (store == MediaStoreKind.AzureBlob && string.IsNullOrWhiteSpace(Azure.ConnectionString))
        {
            yield return new ValidationResult(
                "Media is stored in Azure Blob Storage (the production profile's default): set Media:Azure:ConnectionString " +
                "(with an account key, which signs the URLs), or Media:Store=Local for a single machine.",
                [nameof(Azure)]);
        }

        if (store == MediaStoreKind.Local && !string.IsNullOrEmpty(Local.SigningKey)
            && !(Convert.TryFromBase64String(Local.SigningKey, new byte[Local.SigningKey.Length], out var length) && length >= 32))
        {
            yield return new ValidationResult("Media:Local:SigningKey must be at least 32 bytes (base64).", [nameof(Local)]);
        }
    }
}

/// <summary>Checks <see cref="MediaOptions"/>, those of <c>Media:Local</c> and <c>Media:Azure</c> included.</summary>
[OptionsValidator]
public sealed partial class MediaOptionsValidator : IValidateOptions<MediaOptions>;

public enum MediaStoreKind
{
    /// <summary>Files under the data folder, served by the gateway behind HMAC-signed URLs.</summary>
    Local = 0,

    /// <summary>An Azure Blob Storage container (or Azurite), read and written through SAS URLs.</summary>
    AzureBlob = 1,
}

/// <summary>The embedded store (section <c>Media:Local</c>).</summary>
public sealed class LocalMediaOptions
{
    /// <summary>The folder of the files. Unset: <c>media</c> under <c>Storage:DataDirectory</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// Base64 HMAC key (at least 32 bytes) of the signed URLs. Unset: derived from the token
    /// signing key (<c>Auth:SigningKey</c>), which every gateway of a cluster shares already.
    /// </summary>
    public string? SigningKey { get; set; }
}

/// <summary>Azure Blob Storage (section <c>Media:Azure</c>).</summary>
public sealed class AzureBlobMediaOptions
{
    /// <summary>A connection string with the account key; the key signs the SAS URLs.</summary>
    public string? ConnectionString { get; set; }

    public string Container { get; set; } = "media";

    /// <summary>
    /// Origins allowed to PUT and GET blobs from a browser (the web client's address), set as
    /// the account's CORS rules at silo start-up. Empty: the CORS rules are left as they are.
    /// </summary>
    public string[]? CorsOrigins { get; set; }
}

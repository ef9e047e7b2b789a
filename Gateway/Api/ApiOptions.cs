using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Api;

/// <summary>Limits of the JSON HTTP API under <c>/api/v1</c> (configuration section <c>Api</c>).</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>
    /// The largest request body under <c>/api/v1</c>, in bytes; a larger one is 413 <c>too_large</c>.
    /// The API's bodies are small JSON (1,000 member ids take about 37 KB), so this is far below
    /// Kestrel's 30 MB default. Uploads to <c>/files</c> are bounded by their signed size instead.
    /// </summary>
    [SettingRange(1, long.MaxValue, ErrorMessage = "Api:MaxBodyBytes must be positive.")]
    public long MaxBodyBytes { get; set; } = 1_048_576;

    /// <summary>
    /// The most user ids one <c>POST /chats</c> (<c>member_ids</c>) or <c>POST /chats/{chat_id}/members</c>
    /// (<c>user_ids</c>) may carry; more is <c>bad_request</c>. A larger group is built by adding its
    /// members in further calls of at most this many.
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Api:MaxIdsPerRequest must be at least 1.")]
    public int MaxIdsPerRequest { get; set; } = 1_000;
}

/// <summary>Checks <see cref="ApiOptions"/> when the gateway starts.</summary>
[OptionsValidator]
public sealed partial class ApiOptionsValidator : IValidateOptions<ApiOptions>;

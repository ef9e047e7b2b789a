using System.Text.Json.Serialization;

namespace ChatOrleans.Gateway.Api;

/// <summary>The protocol's HTTP error body: <c>{"error":{"code","message","retry_after_ms?"}}</c>.</summary>
public sealed record ErrorResponse(ErrorBody Error);

/// <summary>
/// One error. <see cref="RetryAfterMs"/> is written only for <c>rate_limited</c>: every other
/// error body has exactly <c>code</c> and <c>message</c>.
/// </summary>
public sealed record ErrorBody(
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RetryAfterMs = null);

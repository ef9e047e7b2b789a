namespace ChatOrleans.Client;

/// <summary>An upload slot returned by <c>POST /media/uploads</c>.</summary>
/// <param name="MediaId">The media id to complete and attach.</param>
/// <param name="UploadUrl">Where to send the bytes (signed; no bearer token).</param>
/// <param name="UploadMethod">The HTTP method, <c>PUT</c>.</param>
/// <param name="UploadHeaders">Headers to send exactly as given.</param>
/// <param name="ExpiresAt">When the slot expires.</param>
public sealed record MediaUpload(
    string MediaId,
    string UploadUrl,
    string UploadMethod,
    IReadOnlyDictionary<string, string> UploadHeaders,
    DateTimeOffset ExpiresAt);

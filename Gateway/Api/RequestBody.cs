using System.Text.Json;
using ChatOrleans.Gateway.Protocol;

namespace ChatOrleans.Gateway.Api;

/// <summary>Reads a JSON request body; anything unreadable is a clear <c>bad_request</c>.</summary>
public static class RequestBody
{
    public static async Task<T> Read<T>(HttpRequest request) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, ProtocolJson.Options, request.HttpContext.RequestAborted)
                ?? throw ChatException.BadRequest("A JSON body is required.");
        }
        catch (JsonException ex)
        {
            throw ChatException.BadRequest($"The body is not valid JSON of the expected shape: {ex.Message}");
        }
    }

    public static string UserId(this HttpContext context) =>
        context.User.FindFirst("sub")?.Value ?? throw new ChatException(ErrorCodes.Unauthorized, "A valid access token is required.");
}

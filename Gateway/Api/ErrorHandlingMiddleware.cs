using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// Turns refusals and failures of HTTP calls into the protocol's error body: a
/// <see cref="ChatException"/> keeps its code, a body over the limit is <c>too_large</c>, a
/// malformed body is <c>bad_request</c>, an unreachable cluster <c>unavailable</c>, anything else
/// <c>internal</c> (and is logged).
/// </summary>
public sealed partial class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            var (code, message) = ex switch
            {
                ChatException chat => (chat.Code, chat.Message),
                // Kestrel's refusal of a body over the request's limit (see ApiBodyLimitMiddleware).
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (ErrorCodes.TooLarge, TooLargeMessage(context)),
                BadHttpRequestException or JsonException => (ErrorCodes.BadRequest, "The request body is not valid JSON of the expected shape."),
                TimeoutException or OrleansException or SiloUnavailableException => (ErrorCodes.Unavailable, "The service is briefly unavailable; try again."),
                _ => (ErrorCodes.Internal, "Something went wrong on the server."),
            };
            if (code == ErrorCodes.Internal)
            {
                LogFailed(context.Request.Path, ex);
            }

            context.Response.Clear();
            await ApiErrors.Write(context, code, message);
        }
    }

    private static string TooLargeMessage(HttpContext context) =>
        context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } max
            ? $"The request body is larger than the {max} bytes this endpoint accepts."
            : "The request body is too large.";

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Request {Path} failed")]
    private partial void LogFailed(string path, Exception exception);
}

namespace ChatOrleans.Gateway.Api;

/// <summary>The HTTP side of the protocol's errors: <c>{"error":{"code","message"}}</c> with the matching status.</summary>
public static class ApiErrors
{
    public static int StatusOf(string code) => code switch
    {
        ErrorCodes.BadRequest => StatusCodes.Status400BadRequest,
        ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.Conflict => StatusCodes.Status409Conflict,
        ErrorCodes.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCodes.UnsupportedType => StatusCodes.Status415UnsupportedMediaType,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCodes.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static IResult Result(string code, string message) =>
        Results.Json(Body(code, message), Protocol.ProtocolJson.Options, statusCode: StatusOf(code));

    public static Task Write(HttpContext context, string code, string message)
    {
        context.Response.StatusCode = StatusOf(code);
        return context.Response.WriteAsJsonAsync(Body(code, message), Protocol.ProtocolJson.Options);
    }

    private static ErrorResponse Body(string code, string message) => new(new ErrorBody(code, message));
}

using ChatOrleans.Gateway.Media;

namespace ChatOrleans.Gateway.Hosting;

/// <summary>
/// Headers every response carries, errors and redirects included: no MIME sniffing, no referrer,
/// and a Content-Security-Policy. JSON and other non-page answers get a policy that loads and
/// frames nothing; media files under <c>/files</c> are user content, so they are sandboxed as
/// well (an uploaded HTML or SVG opened directly can run nothing and reach no origin). The web
/// client's files keep the policy <see cref="WebClientExtensions"/> gives them.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    /// <summary>For answers that are not pages: nothing may load, nothing may frame them.</summary>
    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>For user content served by the local media store.</summary>
    public const string FilesPolicy = "sandbox; default-src 'none'";

    public const string ReferrerPolicy = "no-referrer";

    public Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        var isFile = context.Request.Path.StartsWithSegments(LocalMediaUrlSigner.PathPrefix);
        // Set as the response starts, after everything else had its say: a policy the handler
        // chose (the web client's) stays, and an error handler's Clear() cannot drop these.
        response.OnStarting(() =>
        {
            var headers = response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = ReferrerPolicy;
            if (isFile)
            {
                headers.ContentSecurityPolicy = FilesPolicy;
            }
            else if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
            {
                headers.ContentSecurityPolicy = ApiPolicy;
            }

            return Task.CompletedTask;
        });
        return next(context);
    }
}

using Microsoft.AspNetCore.StaticFiles;

namespace ChatOrleans.Gateway.Hosting;

/// <summary>
/// The web client: plain files from <c>wwwroot</c> at <c>/</c>, served with a strict
/// Content-Security-Policy so that nothing but the client's own scripts can ever run.
/// </summary>
public static class WebClientExtensions
{
    /// <summary>
    /// Scripts and styles only from this origin (no inline script, no eval). Images and uploads may
    /// come from a media store on another origin, so those allow any http(s) source.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data: https: http:; " +
        "media-src 'self' blob: https: http:; connect-src 'self' https: http: ws: wss:; worker-src 'self'; " +
        "manifest-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// Where the client's files are: <c>wwwroot</c> under the content root when run from the
    /// project folder, else the copy next to the assembly (tests, other working folders).
    /// </summary>
    public static string? FindWebRoot(string contentRoot)
    {
        foreach (var candidate in new[] { Path.Combine(contentRoot, "wwwroot"), Path.Combine(AppContext.BaseDirectory, "wwwroot") })
        {
            if (File.Exists(Path.Combine(candidate, "index.html")))
            {
                return candidate;
            }
        }

        return null;
    }

    public static WebApplication UseWebClient(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = new FileExtensionContentTypeProvider { Mappings = { [".mjs"] = "text/javascript" } },
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // Revalidate every time (ETag): a new gateway version's files are picked up at once.
                headers.CacheControl = "no-cache";
            },
        });
        return app;
    }
}

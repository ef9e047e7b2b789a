using System.Diagnostics;
using ChatOrleans.ServiceDefaults.Media;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Media;

/// <summary>
/// A video's poster frame through ffmpeg, where it is installed. Without ffmpeg a video is still
/// accepted; it just has no thumbnail and no dimensions.
/// </summary>
public sealed partial class VideoPosters(IOptions<MediaOptions> options, ImagePreviews images, ILogger<VideoPosters> logger)
{
    private readonly Lazy<string?> _ffmpeg = new(() => FindExecutable(options.Value.FfmpegPath));

    public async Task<MediaPreview> CreateAsync(string videoPath, string thumbnailPath, CancellationToken cancellationToken)
    {
        if (_ffmpeg.Value is not { } ffmpeg)
        {
            return MediaPreview.None;
        }

        var framePath = thumbnailPath + ".frame.png";
        try
        {
            var start = new ProcessStartInfo(ffmpeg)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", videoPath, "-frames:v", "1", "-f", "image2", framePath })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start);
            if (process is null)
            {
                return MediaPreview.None;
            }

            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.FfmpegTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                LogFfmpegTimedOut(videoPath);
                return MediaPreview.None;
            }

            if (process.ExitCode != 0 || !File.Exists(framePath))
            {
                LogFfmpegFailed(process.ExitCode, (await errors).Trim());
                return MediaPreview.None;
            }

            return images.CreateFromFrame(framePath, thumbnailPath) ?? MediaPreview.None;
        }
        finally
        {
            File.Delete(framePath);
        }
    }

    private static string? FindExecutable(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : null;
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "ffmpeg took too long for a poster frame of {Path}")]
    private partial void LogFfmpegTimedOut(string path);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "ffmpeg made no poster frame (exit {ExitCode}): {Errors}")]
    private partial void LogFfmpegFailed(int exitCode, string errors);
}

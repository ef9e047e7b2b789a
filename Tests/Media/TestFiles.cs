using SkiaSharp;

namespace ChatOrleans.Tests.Media;

/// <summary>Real files made on the spot.</summary>
public static class TestFiles
{
    /// <summary>A PNG of the given size with a gradient, so that it is not trivially compressible.</summary>
    public static byte[] Png(int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 255 / width), (byte)(y * 255 / height), (byte)((x + y) % 256)));
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Width and height of an encoded image, or null when it does not decode.</summary>
    /// <summary>
    /// A one-second MP4 made by ffmpeg from its test pattern. ffmpeg is what the server makes poster
    /// frames with; ./test.sh installs it.
    /// </summary>
    public static async Task<byte[]> Mp4Async(int width, int height)
    {
        var path = Path.Combine(Path.GetTempPath(), $"chatorleans-{Guid.NewGuid():N}.mp4");
        var start = new System.Diagnostics.ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i", $"testsrc=duration=1:size={width}x{height}:rate=10", "-pix_fmt", "yuv420p", "-c:v", "mpeg4", path })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(process.ExitCode == 0, $"ffmpeg failed: {errors}");
            return await File.ReadAllBytesAsync(path);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("ffmpeg is not installed: run ./test.sh, which installs it (apt-get install -y ffmpeg).", ex);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static (int Width, int Height)? DecodeSize(byte[] bytes)
    {
        using var bitmap = SKBitmap.Decode(bytes);
        return bitmap is null ? null : (bitmap.Width, bitmap.Height);
    }
}

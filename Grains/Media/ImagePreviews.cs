using ChatOrleans.ServiceDefaults.Media;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace ChatOrleans.Grains.Media;

/// <summary>Image dimensions and thumbnails with SkiaSharp.</summary>
public sealed class ImagePreviews(IOptions<MediaOptions> options)
{
    private const int ThumbnailQuality = 80;

    /// <summary>
    /// The image's size and a JPEG thumbnail that fits in <see cref="MediaOptions.ThumbnailMaxSide"/>
    /// (never enlarged). Null when the bytes do not decode as an image: such an upload is refused.
    /// </summary>
    public MediaPreview? Create(string path, string thumbnailPath)
    {
        using var codec = SKCodec.Create(path);
        if (codec is null)
        {
            return null;
        }

        var width = codec.Info.Width;
        var height = codec.Info.Height;
        if (width <= 0 || height <= 0)
        {
            return null;
        }

        if ((long)width * height > options.Value.ThumbnailMaxSourcePixels)
        {
            return new MediaPreview(width, height, null);
        }

        // Decoded in full with the codec's own colours: the first frame of an animation is its preview.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var source = new SKBitmap(info);
        var result = codec.GetPixels(info, source.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            return null;
        }

        var (thumbWidth, thumbHeight) = Fit(width, height, options.Value.ThumbnailMaxSide);
        WriteJpeg(source, thumbWidth, thumbHeight, thumbnailPath);
        return new MediaPreview(width, height, thumbnailPath);
    }

    /// <summary>A thumbnail of an image file of any size Skia decodes (a video's poster frame).</summary>
    public MediaPreview? CreateFromFrame(string framePath, string thumbnailPath)
    {
        using var source = SKBitmap.Decode(framePath);
        if (source is null)
        {
            return null;
        }

        var (thumbWidth, thumbHeight) = Fit(source.Width, source.Height, options.Value.ThumbnailMaxSide);
        WriteJpeg(source, thumbWidth, thumbHeight, thumbnailPath);
        return new MediaPreview(source.Width, source.Height, thumbnailPath);
    }

    /// <summary>The size that fits in a square of <paramref name="maxSide"/>, keeping the aspect ratio, never enlarged.</summary>
    public static (int Width, int Height) Fit(int width, int height, int maxSide)
    {
        if (width <= maxSide && height <= maxSide)
        {
            return (width, height);
        }

        var scale = (double)maxSide / Math.Max(width, height);
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    private static void WriteJpeg(SKBitmap source, int width, int height, string path)
    {
        // JPEG has no transparency: transparent pixels go on white, as most chat apps show them.
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, new SKRect(0, 0, width, height), new SKSamplingOptions(SKCubicResampler.Mitchell));
        canvas.Flush();
        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(SKEncodedImageFormat.Jpeg, ThumbnailQuality);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}

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
    public static (int Width, int Height)? DecodeSize(byte[] bytes)
    {
        using var bitmap = SKBitmap.Decode(bytes);
        return bitmap is null ? null : (bitmap.Width, bitmap.Height);
    }
}

using System.Text;
using ChatOrleans.Grains.Media;

namespace ChatOrleans.Tests.Media;

/// <summary>What <see cref="ContentSniffer.Detect"/> makes of each magic number, and of bytes close to one.</summary>
[Trait("Category", "Unit")]
public sealed class ContentSnifferTests
{
    [Theory]
    [InlineData("89504E470D0A1A0A0000", "image/png")]
    [InlineData("FFD8FFE000104A464946", "image/jpeg")]
    [InlineData("474946383761", "image/gif")]
    [InlineData("474946383961", "image/gif")]
    [InlineData("524946460000000057454250", "image/webp")]
    [InlineData("524946460000000057415645", "audio/wav")]
    [InlineData("255044462D312E37", "application/pdf")]
    [InlineData("504B0304140000000800", "application/zip")]
    [InlineData("504B0506000000000000", "application/zip")]
    [InlineData("1A45DFA39F4286810142", "video/webm")]
    [InlineData("4F676753000200000000", "audio/ogg")]
    [InlineData("000000206674797069736F6D00000200", "video/mp4")]
    [InlineData("00000014667479707174202000000000", "video/quicktime")]
    [InlineData("000000206674797069736F6D", "video/mp4")]
    [InlineData("00000020667479704D34412000000000", "audio/mp4")]
    [InlineData("0000000C6D6F6F7600000000", "video/quicktime")]
    [InlineData("494433040000000000", "audio/mpeg")]
    [InlineData("FFFB9064000000", "audio/mpeg")]
    public void KnownMagicNumbersGiveTheirType(string hex, string expected) =>
        Assert.Equal(expected, ContentSniffer.Detect(Convert.FromHexString(hex), wholeFile: true));

    [Fact]
    public void RiffOfAnotherFormIsNoKnownType() =>
        Assert.Null(ContentSniffer.Detect(Convert.FromHexString("52494646000000004156492000000000"), wholeFile: true));

    [Fact]
    public void RiffCutBeforeItsFormIsNoKnownType() =>
        Assert.Null(ContentSniffer.Detect(Convert.FromHexString("5249464600000000574542"), wholeFile: true));

    [Fact]
    public void PlainUtf8IsText() =>
        Assert.Equal("text/plain", ContentSniffer.Detect(Encoding.UTF8.GetBytes("héllo\r\n\tworld"), wholeFile: true));

    [Fact]
    public void ControlBytesAreNotText() =>
        Assert.Null(ContentSniffer.Detect([(byte)'a', 0x01, (byte)'b'], wholeFile: true));

    [Fact]
    public void ASampleCutInsideACharacterIsStillText()
    {
        var bytes = Encoding.UTF8.GetBytes("abc€");
        Assert.Equal("text/plain", ContentSniffer.Detect(bytes.AsSpan(0, bytes.Length - 1), wholeFile: false));
        Assert.Null(ContentSniffer.Detect(bytes.AsSpan(0, bytes.Length - 1), wholeFile: true));
    }

    [Fact]
    public void AnEmptyFileIsTextOnlyWhenItIsTheWholeFile()
    {
        Assert.Equal("text/plain", ContentSniffer.Detect([], wholeFile: true));
        Assert.Null(ContentSniffer.Detect([], wholeFile: false));
    }
}

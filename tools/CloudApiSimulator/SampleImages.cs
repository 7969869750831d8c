using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Inbox.CloudApiSimulator;

/// <summary>Small, valid PNG pictures of one colour: what simulated customers "photograph".</summary>
public static class SampleImages
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    public static byte[] Png(byte red, byte green, byte blue, int size = 16)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a]);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, size);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), size);
        header[8] = 8; // bit depth
        header[9] = 2; // truecolour RGB
        WriteChunk(png, "IHDR", header);

        using var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + size * 3]; // filter byte 0, then RGB triples
            for (var x = 0; x < size; x++) (row[1 + x * 3], row[2 + x * 3], row[3 + x * 3]) = (red, green, blue);
            for (var y = 0; y < size; y++) zlib.Write(row);
        }
        WriteChunk(png, "IDAT", pixels.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc(typeBytes, data));
        png.Write(number);
    }

    private static uint Crc(byte[] type, byte[] data)
    {
        var crc = 0xffffffffu;
        foreach (var b in type.Concat(data)) crc = CrcTable[(crc ^ b) & 0xff] ^ (crc >> 8);
        return crc ^ 0xffffffffu;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}

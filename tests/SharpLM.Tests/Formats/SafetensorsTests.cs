using System.Buffers.Binary;
using System.Text;
using SharpLM.Formats;
using SharpLM.Tensors;

namespace SharpLM.Tests.Formats;

public sealed class SafetensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    /// <summary>Builds a file by hand from a header string and data bytes (the test's own writer of the spec).</summary>
    private string Raw(string name, string headerJson, byte[] data, ulong? lengthOverride = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, lengthOverride ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        var path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void RoundTripIsBitExactWithMetadataAndSpecialValues()
    {
        var a = Tensor.RandomNormal([3, 5], 0f, 1f, seed: 7);
        var b = Tensor.FromArray([float.NaN, BitConverter.Int32BitsToSingle(0x7FC01234), -0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, 1e-40f, float.MaxValue], 2, 2, 2);
        var scalar = Tensor.FromArray([42f]).Reshape();
        var empty = new Tensor(0, 4);
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é \"quoted\" <tag>" };
        var path = File("m.safetensors");
        Safetensors.Write(path, [("a.weight", a), ("b", b), ("scalar", scalar), ("empty", empty)], meta);

        var read = Safetensors.Read(path);
        Assert.Equal(meta, read.Metadata);
        Assert.Equal(["a.weight", "b", "scalar", "empty"], read.Tensors.Select(t => t.Name));
        foreach (var (name, original) in new[] { ("a.weight", a), ("b", b), ("scalar", scalar), ("empty", empty) })
        {
            Assert.Equal(original.ShapeArray, read[name].ShapeArray);
            Assert.Equal(original.ToArray().Select(BitConverter.SingleToInt32Bits), read[name].ToArray().Select(BitConverter.SingleToInt32Bits));
        }
        // No temporary file is left beside the result.
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void FileFollowsTheSpecByteForByte()
    {
        var path = File("x.safetensors");
        Safetensors.Write(path, [("w", Tensor.FromArray([1f, 2f], 2))], new Dictionary<string, string> { ["k"] = "v" });
        var bytes = System.IO.File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + n) % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.Equal("{\"__metadata__\":{\"k\":\"v\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header.TrimEnd(' '));
        Assert.True(header.Length - header.TrimEnd(' ').Length < 8);
        Assert.Equal(8 + (int)n + 8, bytes.Length);
        Assert.Equal(2f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)n + 4)));
    }

    [Fact]
    public void NoMetadataGivesAnEmptyMap()
    {
        var path = File("n.safetensors");
        Safetensors.Write(path, [("w", Tensor.FromArray([1f], 1))]);
        Assert.Empty(Safetensors.Read(path).Metadata);
    }

    [Fact]
    public void HalfAndBFloat16AreWidenedToFloat32()
    {
        var data = new byte[12];
        // F16: 1.5 = 0x3E00, -2 = 0xC000; BF16: 3.140625 = 0x4049, -0.5 = 0xBF00.
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(0), 0x3E00);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2), 0xC000);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(4), 0x4049);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(6), 0xBF00);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8), 0.25f);
        var path = Raw("h.safetensors",
            "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[4,8]},\"f\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]}}   ",
            data);
        var read = Safetensors.Read(path);
        Assert.Equal([1.5f, -2f], read["h"].ToArray());
        Assert.Equal([3.140625f, -0.5f], read["b"].ToArray());
        Assert.Equal([1, 2], read["b"].ShapeArray);
        Assert.Equal([0.25f], read["f"].ToArray());
    }

    [Fact]
    public void OtherSpecDtypesAreWidenedAndEightBitFloatsRefusedByName()
    {
        var data = new byte[8 + 8 + 4 + 2 + 1 + 1 + 1];
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(0), 0.1);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8), -1234567);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(16), 77);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(20), 65535);
        data[22] = 0xFE;   // I8 -2
        data[23] = 1;      // BOOL true
        data[24] = 0x38;   // an F8_E4M3 byte
        var path = Raw("ints.safetensors",
            "{\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},\"l\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}," +
            "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[16,20]},\"u\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[20,22]}," +
            "\"s\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[22,23]},\"b\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[23,24]}," +
            "\"f8\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[24,25]}}",
            data);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal([0.1f], file.ReadTensor("d").ToArray());
        Assert.Equal([-1234567f], file.ReadTensor("l").ToArray());
        Assert.Equal([77f], file.ReadTensor("i").ToArray());
        Assert.Equal([65535f], file.ReadTensor("u").ToArray());
        Assert.Equal([-2f], file.ReadTensor("s").ToArray());
        Assert.Equal([1f], file.ReadTensor("b").ToArray());
        var e = Assert.Throws<NotSupportedException>(() => file.ReadTensor("f8"));
        Assert.Contains("'f8'", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void LazyReaderReadsOneTensorAtATime()
    {
        var path = File("l.safetensors");
        var a = Tensor.RandomNormal([4, 4], 0f, 1f, seed: 3);
        Safetensors.Write(path, [("a", Tensor.FromArray([9f], 1)), ("b", a)]);
        using var file = SafetensorsFile.Open(path);
        Assert.True(file.Contains("b"));
        Assert.False(file.Contains("c"));
        Assert.Equal([4, 4], file.Info("b").Shape);
        var dst = new float[16];
        file.ReadInto("b", dst);
        Assert.Equal(a.ToArray(), dst);
        Assert.Throws<ArgumentException>(() => file.ReadInto("b", new float[15]));
        var e = Assert.Throws<KeyNotFoundException>(() => file.ReadTensor("c"));
        Assert.Contains("'c'", e.Message);
    }

    [Fact]
    public void FailedWriteLeavesThePreviousFileIntact()
    {
        var path = File("keep.safetensors");
        Safetensors.Write(path, [("w", Tensor.FromArray([1f], 1))]);
        var before = System.IO.File.ReadAllBytes(path);
        Assert.Throws<InvalidOperationException>(() => Safetensors.Write(path,
            [new SafetensorsEntry("w", [1], () => throw new InvalidOperationException("boom"))]));
        Assert.Equal(before, System.IO.File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void BadWriteInputsAreRejected()
    {
        var t = Tensor.FromArray([1f], 1);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => Safetensors.Write(File("d"), [("w", t), ("w", t)])).Message);
        Assert.Contains("__metadata__", Assert.Throws<ArgumentException>(() => Safetensors.Write(File("d"), [("__metadata__", t)])).Message);
        Assert.Contains("declared", Assert.Throws<ArgumentException>(() => Safetensors.Write(File("d"), [new SafetensorsEntry("w", [2], () => t)])).Message);
    }

    private static InvalidDataException Corrupt(string path) => Assert.Throws<InvalidDataException>(() => Safetensors.Read(path));

    private static void AssertError(InvalidDataException e, string path, params string[] parts)
    {
        Assert.Contains(path, e.Message);
        foreach (var p in parts) Assert.Contains(p, e.Message);
    }

    private const string W8 = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    [Fact]
    public void ValidHandMadeFileReads()
    {
        var path = Raw("ok", W8, new byte[8]);
        Assert.Equal([0f, 0f], Safetensors.Read(path)["w"].ToArray());
    }

    [Fact]
    public void TooShortFileIsRejected()
    {
        var path = File("short");
        System.IO.File.WriteAllBytes(path, [1, 2, 3]);
        AssertError(Corrupt(path), path, "3 bytes", "8-byte");
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsRejected()
    {
        var path = Raw("trunc-header", W8, new byte[8], lengthOverride: 500);
        AssertError(Corrupt(path), path, "header length", "truncated");
    }

    [Fact]
    public void AbsurdHeaderLengthIsRejected()
    {
        var path = Raw("huge", W8, new byte[8], lengthOverride: ulong.MaxValue);
        AssertError(Corrupt(path), path, "header length");
    }

    [Fact]
    public void InvalidJsonIsRejected()
    {
        AssertError(Corrupt(Raw("badjson", "{\"w\":{\"dtype\":\"F32\",", new byte[8])), "badjson", "not valid JSON");
        AssertError(Corrupt(Raw("notobj", "[1,2]", [])), "notobj", "'{'");
    }

    [Fact]
    public void UnknownDtypeIsRejectedNamingTheTensor()
    {
        var path = Raw("dtype", "{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
        AssertError(Corrupt(path), path, "'w'", "dtype 'Q4'");
    }

    [Fact]
    public void ShapeAndSizeMismatchIsRejected()
    {
        var path = Raw("mismatch", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        AssertError(Corrupt(path), path, "'w'", "[3]", "12 bytes", "span 8");
    }

    [Fact]
    public void NegativeOrNonIntegerShapeIsRejected()
    {
        AssertError(Corrupt(Raw("neg", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8])), "neg", "'w'", "shape[0]");
        AssertError(Corrupt(Raw("frac", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", new byte[8])), "frac", "shape[0]");
    }

    [Fact]
    public void OffsetsPastTheDataAreRejected()
    {
        var path = Raw("past", W8, new byte[4]);
        AssertError(Corrupt(path), path, "'w'", "past the end", "truncated");
    }

    [Fact]
    public void TruncatedDataOfAValidHeaderIsRejected()
    {
        var path = File("cut.safetensors");
        Safetensors.Write(path, [("a", Tensor.FromArray([1f, 2f], 2)), ("b", Tensor.FromArray([3f, 4f], 2))]);
        var bytes = System.IO.File.ReadAllBytes(path);
        System.IO.File.WriteAllBytes(path, bytes[..^3]);
        AssertError(Corrupt(path), path, "'b'", "truncated");
    }

    [Fact]
    public void OverlappingOffsetsAreRejected()
    {
        var path = Raw("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        AssertError(Corrupt(path), path, "'b'", "overlap", "'a'");
    }

    [Fact]
    public void GapsAndTrailingBytesAreRejected()
    {
        AssertError(Corrupt(Raw("gap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8])), "gap", "'a'", "gap");
        AssertError(Corrupt(Raw("trail", W8, new byte[12])), "trail", "trailing");
    }

    [Fact]
    public void ReversedOffsetsAreRejected()
    {
        var path = Raw("rev", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", new byte[8]);
        AssertError(Corrupt(path), path, "'w'", "before begin");
    }

    [Fact]
    public void MissingFieldsAndBadMetadataAreRejected()
    {
        AssertError(Corrupt(Raw("nodt", "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8])), "nodt", "'w'", "'dtype'");
        AssertError(Corrupt(Raw("noshape", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", new byte[8])), "noshape", "'w'", "'shape'");
        AssertError(Corrupt(Raw("nooff", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", new byte[8])), "nooff", "'w'", "data_offsets");
        AssertError(Corrupt(Raw("meta", "{\"__metadata__\":{\"k\":1}," + W8[1..], new byte[8])), "meta", "'k'", "string");
    }

    [Fact]
    public void DuplicateNamesAreRejected()
    {
        var path = Raw("dup", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);
        AssertError(Corrupt(path), path, "'w'", "twice");
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        var path = File("absent.safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => Safetensors.Read(path));
        Assert.Contains(path, e.Message);
    }
}

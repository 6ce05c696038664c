using SharpLM.Formats;

namespace SharpLM.Tokenizers;

/// <summary>
/// A SentencePiece <c>.model</c> file (the <c>ModelProto</c> protobuf message): the pieces with
/// scores and types, the training settings the encoder needs (model type, byte fallback, special
/// ids) and the normalizer spec. Fields we do not interpret are kept verbatim, so a loaded model
/// saves back unchanged. Read and written with our own wire-format code, no protobuf library.
/// </summary>
public sealed class SentencePieceModelFile
{
    /// <summary>The vocabulary in id order.</summary>
    public List<SentencePieceEntry> Pieces { get; init; } = [];

    /// <summary>The segmentation algorithm (<c>trainer_spec.model_type</c>).</summary>
    public SentencePieceModelKind Kind { get; set; } = SentencePieceModelKind.Unigram;

    /// <summary>Unknown characters become their UTF-8 bytes as <c>&lt;0xNN&gt;</c> pieces (<c>trainer_spec.byte_fallback</c>).</summary>
    public bool ByteFallback { get; set; }

    /// <summary>Digits are split into single-digit pieces by the trainer (<c>trainer_spec.split_digits</c>); informational.</summary>
    public bool SplitDigits { get; set; }

    /// <summary>Id of the unknown piece (<c>trainer_spec.unk_id</c>).</summary>
    public int UnkId { get; set; }

    /// <summary>Id of the beginning-of-sentence piece, or -1 (<c>trainer_spec.bos_id</c>).</summary>
    public int BosId { get; set; } = 1;

    /// <summary>Id of the end-of-sentence piece, or -1 (<c>trainer_spec.eos_id</c>).</summary>
    public int EosId { get; set; } = 2;

    /// <summary>Id of the padding piece, or -1 (<c>trainer_spec.pad_id</c>).</summary>
    public int PadId { get; set; } = -1;

    /// <summary>What an unknown piece decodes to (<c>trainer_spec.unk_surface</c>, " ⁇ " by default).</summary>
    public string UnkSurface { get; set; } = " \u2047 ";

    /// <summary>The normalizer spec (<c>normalizer_spec</c>), with <c>treat_whitespace_as_suffix</c> folded in.</summary>
    public SentencePieceNormalizerSpec Normalizer { get; set; } = new() { Name = "identity" };

    private List<ProtobufField> _extraModel = [], _extraTrainer = [], _extraNormalizer = [];

    /// <summary>Reads a <c>.model</c> file; a truncated or corrupt file raises <see cref="TokenizerFormatException"/> naming the field.</summary>
    public static SentencePieceModelFile Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of a <c>.model</c> file; <paramref name="path"/> only names it in errors.</summary>
    public static SentencePieceModelFile Parse(ReadOnlySpan<byte> data, string path)
    {
        if (data.IsEmpty) throw new TokenizerFormatException(path, "ModelProto", "the file is empty");
        var model = new SentencePieceModelFile();
        var r = new ProtobufReader(data, path, "ModelProto");
        bool sawTrainer = false;
        while (r.HasMore)
        {
            var (field, wire) = r.ReadTag();
            switch (field)
            {
                case 1:
                    r.Expect(wire, ProtobufReader.LengthDelimited, "pieces");
                    model.Pieces.Add(ReadPiece(r.ReadBytes("pieces"), path, model.Pieces.Count));
                    break;
                case 2:
                    r.Expect(wire, ProtobufReader.LengthDelimited, "trainer_spec");
                    model.ReadTrainerSpec(r.ReadBytes("trainer_spec"), path);
                    sawTrainer = true;
                    break;
                case 3:
                    r.Expect(wire, ProtobufReader.LengthDelimited, "normalizer_spec");
                    model.ReadNormalizerSpec(r.ReadBytes("normalizer_spec"), path);
                    break;
                default:
                    model._extraModel.Add(new ProtobufField(field, wire, r.Skip(field, wire).ToArray()));
                    break;
            }
        }
        if (model.Pieces.Count == 0) throw new TokenizerFormatException(path, "ModelProto.pieces", "the model has no pieces (not a SentencePiece model?)");
        if (!sawTrainer) model.Kind = SentencePieceModelKind.Unigram;
        return model;
    }

    private static SentencePieceEntry ReadPiece(ReadOnlySpan<byte> data, string path, int index)
    {
        var where = $"ModelProto.pieces[{index}]";
        var r = new ProtobufReader(data, path, where);
        string? piece = null;
        float score = 0;
        int type = (int)SentencePieceType.Normal;
        while (r.HasMore)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == ProtobufReader.LengthDelimited) piece = r.ReadString("piece");
            else if (field == 2 && wire == ProtobufReader.Fixed32) score = r.ReadFloat("score");
            else if (field == 3 && wire == ProtobufReader.Varint) type = r.ReadInt32("type");
            else r.Skip(field, wire);
        }
        if (piece is null) throw new TokenizerFormatException(path, where + ".piece", "missing");
        if (type is < 1 or > 6) throw new TokenizerFormatException(path, where + ".type", $"{type} is not a piece type (1..6)");
        return new SentencePieceEntry(piece, score, (SentencePieceType)type);
    }

    private void ReadTrainerSpec(ReadOnlySpan<byte> data, string path)
    {
        var r = new ProtobufReader(data, path, "ModelProto.trainer_spec");
        while (r.HasMore)
        {
            var (field, wire) = r.ReadTag();
            switch (field, wire)
            {
                case (3, ProtobufReader.Varint):
                    int kind = r.ReadInt32("model_type");
                    if (kind is < 1 or > 4) throw new TokenizerFormatException(path, "ModelProto.trainer_spec.model_type", $"{kind} is not a model type (1 unigram, 2 bpe, 3 word, 4 char)");
                    Kind = (SentencePieceModelKind)kind;
                    break;
                case (4, ProtobufReader.Varint): r.ReadVarint("vocab_size"); break; // written from the piece count
                case (24, ProtobufReader.Varint): Normalizer = Normalizer with { TreatWhitespaceAsSuffix = r.ReadBool("treat_whitespace_as_suffix") }; break;
                case (25, ProtobufReader.Varint): SplitDigits = r.ReadBool("split_digits"); break;
                case (35, ProtobufReader.Varint): ByteFallback = r.ReadBool("byte_fallback"); break;
                case (40, ProtobufReader.Varint): UnkId = r.ReadInt32("unk_id"); break;
                case (41, ProtobufReader.Varint): BosId = r.ReadInt32("bos_id"); break;
                case (42, ProtobufReader.Varint): EosId = r.ReadInt32("eos_id"); break;
                case (43, ProtobufReader.Varint): PadId = r.ReadInt32("pad_id"); break;
                case (44, ProtobufReader.LengthDelimited): UnkSurface = r.ReadString("unk_surface"); break;
                default: _extraTrainer.Add(new ProtobufField(field, wire, r.Skip(field, wire).ToArray())); break;
            }
        }
    }

    private void ReadNormalizerSpec(ReadOnlySpan<byte> data, string path)
    {
        var r = new ProtobufReader(data, path, "ModelProto.normalizer_spec");
        var n = Normalizer with { Name = "" };
        while (r.HasMore)
        {
            var (field, wire) = r.ReadTag();
            switch (field, wire)
            {
                case (1, ProtobufReader.LengthDelimited): n = n with { Name = r.ReadString("name") }; break;
                case (2, ProtobufReader.LengthDelimited): n = n with { PrecompiledCharsMap = r.ReadBytes("precompiled_charsmap").ToArray() }; break;
                case (3, ProtobufReader.Varint): n = n with { AddDummyPrefix = r.ReadBool("add_dummy_prefix") }; break;
                case (4, ProtobufReader.Varint): n = n with { RemoveExtraWhitespaces = r.ReadBool("remove_extra_whitespaces") }; break;
                case (5, ProtobufReader.Varint): n = n with { EscapeWhitespaces = r.ReadBool("escape_whitespaces") }; break;
                case (6, ProtobufReader.LengthDelimited): n = n with { NormalizationRuleTsv = r.ReadString("normalization_rule_tsv") }; break;
                default: _extraNormalizer.Add(new ProtobufField(field, wire, r.Skip(field, wire).ToArray())); break;
            }
        }
        if (n.PrecompiledCharsMap.Length > 0) PrecompiledCharsMap.Validate(n.PrecompiledCharsMap, path);
        Normalizer = n;
    }

    /// <summary>The model as <c>ModelProto</c> bytes (fields in number order, unknown fields re-emitted).</summary>
    public byte[] ToBytes()
    {
        var w = new ProtobufWriter();
        foreach (var p in Pieces)
        {
            var pw = new ProtobufWriter();
            pw.String(1, p.Piece);
            pw.Float(2, p.Score);
            if (p.Type != SentencePieceType.Normal) pw.Int32(3, (int)p.Type);
            w.Bytes(1, pw.ToArray());
        }
        var t = new ProtobufWriter();
        t.Int32(3, (int)Kind);
        t.Int32(4, Pieces.Count);
        foreach (var f in _extraTrainer) t.Raw(f);
        t.Bool(24, Normalizer.TreatWhitespaceAsSuffix);
        t.Bool(25, SplitDigits);
        t.Bool(35, ByteFallback);
        t.Int32(40, UnkId);
        t.Int32(41, BosId);
        t.Int32(42, EosId);
        t.Int32(43, PadId);
        t.String(44, UnkSurface);
        w.Bytes(2, t.ToArray());
        var n = new ProtobufWriter();
        n.String(1, Normalizer.Name);
        if (Normalizer.PrecompiledCharsMap.Length > 0) n.Bytes(2, Normalizer.PrecompiledCharsMap);
        n.Bool(3, Normalizer.AddDummyPrefix);
        n.Bool(4, Normalizer.RemoveExtraWhitespaces);
        n.Bool(5, Normalizer.EscapeWhitespaces);
        if (Normalizer.NormalizationRuleTsv.Length > 0) n.String(6, Normalizer.NormalizationRuleTsv);
        foreach (var f in _extraNormalizer) n.Raw(f);
        w.Bytes(3, n.ToArray());
        foreach (var f in _extraModel) w.Raw(f);
        return w.ToArray();
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public void Write(string path)
    {
        var bytes = ToBytes();
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}

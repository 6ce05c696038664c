using System.Buffers.Binary;
using SharpLM.Autograd;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Tests.Formats;

/// <summary>
/// Issue 6's parity check in miniature: a GPT-2 written in llm.c's checkpoint format and a token
/// file in llm.c's format, imported through the library, give the same mean loss over the
/// first sequential batches (batch i starts at token i·B·T) as an independent double-precision
/// GPT-2 computed in the test from the raw llm.c layout.
/// </summary>
public sealed class LlmcParityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-parity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const int MaxT = 32, V = 300, Vp = 384, L = 2, NH = 4, C = 64, B = 4, T = 32, Batches = 5;

    /// <summary>The 16 llm.c tensors with weights large enough that attention, MLP and norms all move the loss.</summary>
    private static float[][] Weights(ulong seed)
    {
        var rng = new Rng(seed);
        float[] Normal(long n, float mean, float std) { var a = new float[n]; rng.FillNormal(a, mean, std); return a; }
        var wte = Normal((long)Vp * C, 0f, 0.5f);
        Array.Clear(wte, V * C, (Vp - V) * C);                  // llm.c's padding rows are zero
        return
        [
            wte, Normal(MaxT * C, 0f, 0.3f),
            Normal(L * C, 1f, 0.2f), Normal(L * C, 0f, 0.1f),
            Normal(L * 3 * C * C, 0f, 0.15f), Normal(L * 3 * C, 0f, 0.1f),
            Normal(L * C * C, 0f, 0.1f), Normal(L * C, 0f, 0.1f),
            Normal(L * C, 1f, 0.2f), Normal(L * C, 0f, 0.1f),
            Normal(L * 4 * C * C, 0f, 0.15f), Normal(L * 4 * C, 0f, 0.1f),
            Normal(L * C * 4 * C, 0f, 0.1f), Normal(L * C, 0f, 0.1f),
            Normal(C, 1f, 0.2f), Normal(C, 0f, 0.1f),
        ];
    }

    private static byte[] CheckpointBytes(float[][] tensors)
    {
        long total = tensors.Sum(t => (long)t.Length);
        var bytes = new byte[1024 + 4 * total];
        int[] header = [20240326, 3, MaxT, V, L, NH, C, Vp];
        for (int i = 0; i < header.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), header[i]);
        int at = 1024;
        foreach (var t in tensors)
            foreach (var x in t) { BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), x); at += 4; }
        return bytes;
    }

    private static byte[] TokenFileBytes(int[] ids)
    {
        var bytes = new byte[1024 + 2 * ids.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, 20240520);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), ids.Length);
        for (int i = 0; i < ids.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1024 + 2 * i), (ushort)ids[i]);
        return bytes;
    }

    [Fact]
    public void MeanLossOfFirstSequentialBatchesMatchesDoublePrecisionReference()
    {
        var weights = Weights(seed: 2024);
        var rng = new Rng(7);
        var stream = Enumerable.Range(0, Batches * B * T + 1 + 100).Select(_ => rng.NextInt(V)).ToArray();
        var modelPath = Path.Combine(_dir, "gpt2_124M.bin");
        var tokensPath = Path.Combine(_dir, "val.bin");
        File.WriteAllBytes(modelPath, CheckpointBytes(weights));
        File.WriteAllBytes(tokensPath, TokenFileBytes(stream));

        var model = GptLlmc.Load(modelPath);
        var tokens = LlmcTokens.Read(tokensPath);
        double ours = 0, reference = 0;
        for (int batch = 0; batch < Batches; batch++)
        {
            var inputs = tokens.AsSpan(batch * B * T, B * T).ToArray();
            var targets = tokens.AsSpan(batch * B * T + 1, B * T).ToArray();
            var tape = new Tape(recordGradients: false) { Training = false };
            double batchLoss = model.Loss(tape, inputs, targets, B, T).Data[0];
            double batchReference = Gpt2DoubleReference.MeanLoss(weights, MaxT, V, L, NH, C, Vp, inputs, targets, B, T);
            Assert.True(Math.Abs(batchLoss - batchReference) <= 1e-5 * batchReference, $"batch {batch}: ours {batchLoss:R}, reference {batchReference:R}");
            ours += batchLoss / Batches;
            reference += batchReference / Batches;
        }
        // The weights matter: the loss is far from a uniform guess over V tokens.
        Assert.True(Math.Abs(reference - Math.Log(V)) > 0.5, $"reference loss {reference} is too close to ln V = {Math.Log(V)}; the test would not see mistakes");
        Assert.True(Math.Abs(ours - reference) <= 1e-5 * reference, $"mean loss: ours {ours:R}, reference {reference:R}");
    }
}

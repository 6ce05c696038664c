using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Tests.Encoders;

public class MlmMaskerTests
{
    private const int Vocab = 1000, Mask = 4;
    private static readonly int[] Specials = [0, 1, 2, 3, 4];

    [Fact]
    public void ChoosesFifteenPercentAndSplits80_10_10OnALargeSample()
    {
        var masker = new MlmMasker(Vocab, Mask, Specials);
        var rng = new Rng(5);
        var data = new Rng(6);
        long eligible = 0, chosen = 0, masked = 0, random = 0, kept = 0;
        for (int n = 0; n < 4000; n++)
        {
            var ids = new int[64];
            for (int i = 0; i < ids.Length; i++) ids[i] = 5 + data.NextInt(Vocab - 5);
            ids[0] = 2; ids[40] = 3; ids[^1] = 3;             // [CLS] … [SEP] … [SEP]
            var original = (int[])ids.Clone();
            var targets = new int[ids.Length];
            int count = masker.Mask(ids, targets, rng);
            eligible += 61;
            Assert.Equal(count, targets.Count(t => t >= 0));
            for (int i = 0; i < ids.Length; i++)
            {
                if (Specials.Contains(original[i])) { Assert.Equal(-1, targets[i]); Assert.Equal(original[i], ids[i]); continue; }
                if (targets[i] < 0) { Assert.Equal(original[i], ids[i]); continue; }
                Assert.Equal(original[i], targets[i]);
                chosen++;
                if (ids[i] == Mask) masked++;
                else if (ids[i] == original[i]) kept++;
                else { random++; Assert.DoesNotContain(ids[i], Specials); }
            }
        }
        Assert.InRange(chosen / (double)eligible, 0.145, 0.155);
        Assert.InRange(masked / (double)chosen, 0.79, 0.81);
        Assert.InRange(random / (double)chosen, 0.09, 0.11);
        Assert.InRange(kept / (double)chosen, 0.09, 0.11);
    }

    [Fact]
    public void WholeWordMaskingChoosesContinuationsWithTheirWord()
    {
        // ids ≥ 500 are "##" continuation pieces; every word is a head piece + 0..2 continuations.
        var masker = new MlmMasker(Vocab, Mask, Specials, continuationIds: Enumerable.Range(500, 500));
        var rng = new Rng(9);
        var data = new Rng(10);
        long chosen = 0, eligible = 0;
        for (int n = 0; n < 2000; n++)
        {
            var ids = new List<int> { 2 };
            while (ids.Count < 60)
            {
                ids.Add(5 + data.NextInt(495));
                int pieces = data.NextInt(3);
                for (int p = 0; p < pieces; p++) ids.Add(500 + data.NextInt(500));
            }
            ids.Add(3);
            var row = ids.ToArray();
            var targets = new int[row.Length];
            masker.Mask(row, targets, rng);
            eligible += row.Length - 2;
            for (int i = 1; i < row.Length - 1; i++)
            {
                if (targets[i] >= 0) chosen++;
                // A continuation is chosen exactly when the piece before it is.
                if (ids[i] >= 500) Assert.Equal(targets[i - 1] >= 0, targets[i] >= 0);
            }
        }
        Assert.InRange(chosen / (double)eligible, 0.13, 0.16);
    }

    [Fact]
    public void AShortSequenceStillGetsOneTarget()
    {
        var masker = new MlmMasker(Vocab, Mask, Specials);
        int[] ids = [2, 17, 3];
        var targets = new int[3];
        Assert.Equal(1, masker.Mask(ids, targets, new Rng(1)));
        Assert.Equal([-1, 17, -1], targets);
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        Assert.Contains("[MASK] id", Assert.Throws<ArgumentOutOfRangeException>(() => new MlmMasker(10, 12, [0])).Message);
        Assert.Contains("probability", Assert.Throws<ArgumentOutOfRangeException>(() => new MlmMasker(10, 1, [0], probability: 1.5f)).Message);
    }
}

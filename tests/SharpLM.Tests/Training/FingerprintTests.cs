using SharpLM.Training;

namespace SharpLM.Tests.Training;

public sealed class FingerprintTests
{
    [Fact]
    public void IsFnv1aOverTheValuesInOrder()
    {
        // FNV-1a 64 by hand: h = (h ^ x) · 1099511628211 from the offset basis 14695981039346656037.
        ulong h = 14695981039346656037UL;
        foreach (ulong x in new ulong[] { 1, 2, 0xFFFF_FFFF }) h = (h ^ x) * 1099511628211UL;
        var f = new Fingerprint();
        f.Add([1, 2]);
        f.Add(0xFFFF_FFFFUL);
        Assert.Equal(h, f.Value);
        var swapped = new Fingerprint();
        swapped.Add([2, 1]);
        Assert.NotEqual(TrainerState.HashTokens([1, 2]), swapped.Value);
        Assert.Equal(14695981039346656037UL, new Fingerprint().Value);
    }
}

using System.Text;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

public class BpeTrainerTests
{
    private const string Corpus =
        "the cat sat on the mat. the cat ate the rat! that hat is the cat's hat.\n" +
        "Thé café servait des crêpes; 東京 and 東京タワー; numbers 12 123 1234 12345.\n";

    private static string BigCorpus(int lines)
    {
        var rng = new Random(3);
        var words = new[] { "the", "then", "there", "cat", "catalog", "at", "hat", "that", "what", "whatever", "é", "café", "naïve", "東京", "😀" };
        var sb = new StringBuilder();
        for (int i = 0; i < lines; i++)
        {
            int n = rng.Next(3, 12);
            for (int j = 0; j < n; j++) sb.Append(j == 0 ? "" : " ").Append(words[rng.Next(words.Length)]);
            sb.Append(rng.Next(3) == 0 ? ".\n" : "\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void LearnsExactlyTheRequestedVocabularyAndRoundTrips()
    {
        var text = BigCorpus(400);
        var tok = BpeTrainer.Train([text], 300, ["<|endoftext|>"]);
        Assert.Equal(300, tok.VocabSize);
        Assert.Equal(299, tok.SpecialTokens["<|endoftext|>"]);
        Assert.Equal(text, tok.Decode(tok.Encode(text)));
        // Merges make the text shorter than its bytes: the point of BPE.
        Assert.True(tok.Encode(text).Length < Encoding.UTF8.GetByteCount(text) / 2);
        // Any text encodes, even characters never seen in training.
        const string unseen = "Zebra ℵ 🦓 \u0000";
        Assert.Equal(unseen, tok.Decode(tok.Encode(unseen)));
    }

    [Fact]
    public void IncrementalTrainingEqualsANaiveFullRecountEveryMerge()
    {
        var text = BigCorpus(150) + Corpus;
        var tok = BpeTrainer.Train([text], 256 + 60, minFrequency: 1);
        var naive = NaiveMerges(text, 60);
        var learned = tok.Merges.Select(m => (tok.TokenBytes(m.Left), tok.TokenBytes(m.Right))).ToList();
        Assert.Equal(naive.Count, learned.Count);
        for (int i = 0; i < naive.Count; i++)
        {
            Assert.Equal(naive[i].Item1, learned[i].Item1);
            Assert.Equal(naive[i].Item2, learned[i].Item2);
        }
    }

    // Reference trainer: recount every pair over every word occurrence before each merge; ties by smaller ids.
    private static List<(byte[], byte[])> NaiveMerges(string text, int count)
    {
        var words = PreTokenizer.Gpt2.SplitToStrings(text).Select(w => Encoding.UTF8.GetBytes(w).Select(b => (int)b).ToList()).ToList();
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();
        var merges = new List<(byte[], byte[])>();
        for (int k = 0; k < count; k++)
        {
            var counts = new Dictionary<(int, int), int>();
            foreach (var w in words)
                for (int i = 0; i + 1 < w.Count; i++) counts[(w[i], w[i + 1])] = counts.GetValueOrDefault((w[i], w[i + 1])) + 1;
            if (counts.Count == 0) break;
            var best = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Item1).ThenBy(kv => kv.Key.Item2).First().Key;
            var merged = tokens[best.Item1].Concat(tokens[best.Item2]).ToArray();
            int id = tokens.FindIndex(t => t.SequenceEqual(merged));
            if (id < 0) { tokens.Add(merged); id = tokens.Count - 1; }
            merges.Add((tokens[best.Item1], tokens[best.Item2]));
            foreach (var w in words)
                for (int i = 0; i + 1 < w.Count; i++)
                    if (w[i] == best.Item1 && w[i + 1] == best.Item2) { w[i] = id; w.RemoveAt(i + 1); }
        }
        return merges;
    }

    [Fact]
    public void MinimumFrequencyStopsRarePairs()
    {
        var tok = BpeTrainer.Train(["ab ab ab cd"], 1000, minFrequency: 2);
        var pieces = Enumerable.Range(256, tok.VocabSize - 256).Select(tok.TokenPiece).ToList();
        Assert.Contains("ab", pieces);
        Assert.Contains(" ab", pieces);
        Assert.DoesNotContain("cd", pieces);
        Assert.True(tok.VocabSize < 1000);
    }

    [Fact]
    public void TooSmallVocabularyIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(["x"], 200));
        Assert.Equal("vocabSize", e.ParamName);
    }

    [Fact]
    public void HeapMergerForLongWordsAgreesWithTheScanMerger()
    {
        var tok = BpeTrainer.Train([BigCorpus(300)], 400, minFrequency: 1);
        var engine = tok.MergeEngine;
        var rng = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            var word = new string(Enumerable.Range(0, 1 + rng.Next(120)).Select(_ => "thecatwhaté  ae"[rng.Next(15)]).ToArray());
            var bytes = Encoding.UTF8.GetBytes(word);
            if (bytes.Length < 2) continue;
            Assert.Equal(engine.EncodeShort(bytes), engine.EncodeLong(bytes));
        }
        var longWord = string.Concat(Enumerable.Repeat("whatever", 100));
        Assert.Equal(longWord, tok.Decode(tok.Encode(longWord)));
    }

    [Fact]
    public void ParallelEncodingEqualsSequentialForTheCl100kPatternToo()
    {
        var text = BigCorpus(3000) + "x\n\n y\n!\nz\r\nw\n 'll\n12345\n";
        var tok = BpeTrainer.Train([text], 400, preTokenizer: PreTokenizer.Cl100k);
        Assert.Equal(tok.Encode(text), tok.EncodeParallel(text, 3));
        var gpt2 = BpeTrainer.Train([text], 400);
        Assert.Equal(gpt2.Encode(text), gpt2.EncodeParallel(text, 3));
        Assert.True(BpeTokenizer.SafeCuts(text, 12).Count > 5); // the text really was cut
    }
}

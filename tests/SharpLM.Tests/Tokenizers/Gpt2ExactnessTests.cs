using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

/// <summary>
/// Our GPT-2 encoder must give exactly OpenAI's r50k_base ids. The expected ids below were produced
/// by OpenAI's tiktoken (Rust core, npm package "tiktoken", encode_ordinary) on these exact strings.
/// </summary>
public class Gpt2ExactnessTests
{
    private static readonly Lazy<BpeTokenizer> FromRanks = new(() => TiktokenRankFile.Load(SharedData.DataFile("gpt2/r50k_base.tiktoken")!,
        Gpt2VocabFiles.ReadSpecialTokens(SharedData.DataFile("gpt2/special_tokens.json")!)));
    private static readonly Lazy<BpeTokenizer> FromMerges = new(() => Gpt2VocabFiles.LoadFolder(SharedData.DataFile("gpt2")!));

    internal static BpeTokenizer Ranks => FromRanks.Value;
    internal static BpeTokenizer VocabMerges => FromMerges.Value;

    /// <summary>name → (text, ids from tiktoken). Lone surrogates: tiktoken (like Python's) sees U+FFFD.</summary>
    public static readonly Dictionary<string, (string Text, int[] Ids)> Stress = new()
    {
        ["hello world"] = ("hello world", [31373, 995]),
        ["contractions"] = ("I'm, you're, they've, he'll, she'd, it's, can't, DON'T 'S O'Neil's rock'n'roll ''tis", [40, 1101, 11, 345, 821, 11, 484, 1053, 11, 339, 1183, 11, 673, 1549, 11, 340, 338, 11, 460, 470, 11, 23917, 6, 51, 705, 50, 440, 6, 29354, 338, 3881, 6, 77, 6, 2487, 10148, 48010]),
        ["numbers"] = ("1234567890 3.14159 1,000,000 -42 +7e10 \u00bd \u00b2 \u0663\u0664 \u2167 0x1F", [10163, 2231, 30924, 3829, 513, 13, 1415, 19707, 352, 11, 830, 11, 830, 532, 3682, 1343, 22, 68, 940, 25208, 1587, 110, 18923, 96, 149, 97, 2343, 227, 100, 657, 87, 16, 37]),
        ["whitespace runs"] = ("a  b   c\u0009\u0009d\u000a\u000a\u000ae \u000d\u000a f    g\u00a0\u00a0h", [64, 220, 275, 220, 220, 269, 197, 197, 67, 628, 198, 68, 220, 201, 198, 277, 220, 220, 220, 308, 1849, 1849, 71]),
        ["trailing spaces"] = ("trailing spaces   ", [9535, 4386, 9029, 220, 220, 220]),
        ["leading spaces"] = ("   leading", [220, 220, 3756]),
        ["only whitespace"] = (" \u000a \u0009\u000a\u000a  ", [220, 198, 220, 197, 628, 220, 220]),
        ["punctuation runs"] = ("Hello!!! ...?!?! --- (((x))) @#$%^&*_+=[]{}|\\;:\"<>/ ~`", [15496, 10185, 2644, 12248, 12248, 11420, 14808, 7, 87, 22305, 2488, 29953, 4, 61, 5, 9, 62, 47932, 21737, 90, 92, 91, 59, 26, 11097, 27, 29, 14, 5299, 63]),
        ["special-looking text"] = ("<|endoftext|> is ordinary here", [27, 91, 437, 1659, 5239, 91, 29, 318, 8850, 994]),
        ["accents"] = ("Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c5ngstr\u00f6m fa\u00e7ade Cafe\u0301 \u0141\u00f3d\u017a", [34, 1878, 2634, 41492, 40560, 16345, 2634, 6184, 227, 782, 2536, 9101, 76, 24685, 16175, 671, 26965, 136, 223, 25370, 223, 10205, 67, 129, 118]),
        ["korean"] = ("\uc548\ub155\ud558\uc138\uc694 \uc138\uacc4! \ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8", [168, 243, 230, 167, 227, 243, 47991, 246, 168, 226, 116, 168, 248, 242, 23821, 226, 116, 166, 111, 226, 0, 220, 47991, 250, 166, 113, 255, 168, 244, 112, 220, 169, 227, 235, 168, 232, 97, 169, 232, 116]),
        ["cjk"] = ("\u4f60\u597d\uff0c\u4e16\u754c\uff01\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3002", [19526, 254, 25001, 121, 171, 120, 234, 10310, 244, 45911, 234, 171, 120, 223, 33768, 98, 17312, 105, 45739, 252, 5641, 24336, 25084, 43302, 16764]),
        ["emoji and astral"] = ("\ud83d\udc4b\ud83c\udf0d family \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 flag \ud83c\uddeb\ud83c\uddf7 math \ud835\udc00\ud835\udc01 \ud835\udfd9\ud835\udfda x\ud840\udc00y", [41840, 233, 8582, 234, 235, 1641, 50169, 101, 447, 235, 41840, 102, 447, 235, 41840, 100, 6056, 12520, 229, 104, 8582, 229, 115, 10688, 220, 47728, 238, 222, 47728, 238, 223, 220, 47728, 253, 247, 47728, 253, 248, 2124, 172, 254, 222, 222, 88]),
        ["control characters"] = ("\u0000\u0001\u001b[31mred\u001b[0m\u007f\u0085x\u2028y\u3000z\u000b\u000c\u001c\u001f \ufeffBOM", [188, 189, 215, 58, 3132, 76, 445, 215, 58, 15, 76, 221, 126, 227, 87, 447, 101, 88, 5099, 222, 89, 199, 200, 216, 219, 27332, 119, 123, 33, 2662]),
        ["lone surrogates"] = ("a\ud800b \udc00 c\ud83d", [64, 4210, 65, 20543, 269, 4210]),
        ["long run"] = ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890 !?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?!?", [24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 24794, 17031, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 30924, 3829, 5145, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 12248, 30]),
        ["code"] = ("def f(x):\u000a    return x**2  # square\u000a\u000a\u0009if (a&&b) { y += 1; }\u000a", [4299, 277, 7, 87, 2599, 198, 220, 220, 220, 1441, 2124, 1174, 17, 220, 1303, 6616, 628, 197, 361, 357, 64, 25226, 65, 8, 1391, 331, 15853, 352, 26, 1782, 198]),
    };

    public static TheoryData<string> StressNames => new(Stress.Keys);

    [SharedDataFact]
    public void TinyShakespeareEncodesToTheReferenceIdsWithBothLoaders()
    {
        var text = File.ReadAllText(SharedData.DataFile("tinyshakespeare.txt")!);
        var expected = File.ReadAllLines(SharedData.DataFile("tinyshakespeare.gpt2.ids")!).Select(int.Parse).ToArray();
        Assert.Equal(338025, expected.Length);
        Assert.Equal(expected, Ranks.Encode(text));
        Assert.Equal(expected, VocabMerges.Encode(text));
        Assert.Equal(text, Ranks.Decode(expected));
    }

    [SharedDataFact]
    public void ParallelEncodingEqualsSequentialEncoding()
    {
        var text = File.ReadAllText(SharedData.DataFile("tinyshakespeare.txt")!);
        var expected = Ranks.Encode(text);
        Assert.Equal(expected, Ranks.EncodeParallel(text, 2));
        Assert.Equal(expected, Ranks.EncodeParallel(text, 7));
        // Cuts are never placed where the pattern would join across them ("\n\n", "\n word").
        var tricky = string.Concat(Enumerable.Repeat("a\n\n b\n c\n\nd\n 'll\n's x  \n\n\n  y\n", 400));
        Assert.Equal(Ranks.Encode(tricky), Ranks.EncodeParallel(tricky, 2));
    }

    [SharedDataFact]
    public void HelloWorld() => Assert.Equal([31373, 995], Ranks.Encode("hello world"));

    [SharedDataTheory]
    [MemberData(nameof(StressNames))]
    public void StressStringsMatchTiktokenWithBothLoaders(string name)
    {
        var (text, ids) = Stress[name];
        Assert.Equal(ids, Ranks.Encode(text));
        Assert.Equal(ids, VocabMerges.Encode(text));
        // Round trip holds for valid UTF-16; lone surrogates come back as U+FFFD (documented choice).
        var valid = System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text));
        Assert.Equal(valid, Ranks.Decode(ids));
    }

    [SharedDataFact]
    public void RandomUnicodeStringsMatchTiktokenWithBothLoaders()
    {
        foreach (var (text, ids) in TiktokenFuzzCases.Cases)
        {
            Assert.Equal(ids, Ranks.Encode(text));
            Assert.Equal(ids, VocabMerges.Encode(text));
        }
    }

    [SharedDataFact]
    public void SpecialTokensAreOnlyEncodedWhenAllowed()
    {
        Assert.Equal(50257, Ranks.VocabSize);
        Assert.Equal(50256, Ranks.SpecialTokens["<|endoftext|>"]);
        Assert.Equal([64, 50256, 65], Ranks.Encode("a<|endoftext|>b", allowSpecial: true)); // tiktoken encode(..., "all")
        Assert.DoesNotContain(50256, Ranks.Encode("a<|endoftext|>b"));
        Assert.Equal(Stress["special-looking text"].Ids, VocabMerges.Encode(Stress["special-looking text"].Text));
        Assert.Equal("a<|endoftext|>b", Ranks.Decode([64, 50256, 65]));
    }

    [SharedDataFact]
    public void EveryMergeFromMergesTxtIsAlsoATiktokenMergeWithTheSameResult()
    {
        // The two loaders build their merge tables independently (all splits ranked by the whole
        // token, vs merges.txt order); merges.txt's pairs must be a subset producing the same tokens.
        var ranked = Ranks.Merges.ToDictionary(m => (m.Left, m.Right), m => m.Result);
        foreach (var m in VocabMerges.Merges) Assert.Equal(m.Result, ranked[(m.Left, m.Right)]);
        Assert.Equal(50000, VocabMerges.Merges.Count);
    }

    [SharedDataFact]
    public void RandomStringsRoundTripAndAreRankMinimal()
    {
        var rng = new Random(1234);
        var pairRanks = Ranks.Merges.ToDictionary(m => (m.Left, m.Right), m => m.Rank);
        for (int trial = 0; trial < 300; trial++)
        {
            var text = RandomText.Valid(rng, rng.Next(0, 60));
            var ids = Ranks.Encode(text);
            Assert.Equal(text, Ranks.Decode(ids));
            Assert.Equal(ids, VocabMerges.Encode(text));
            // Within each pre-tokenized word no two adjacent output tokens may still merge.
            int at = 0;
            foreach (var word in PreTokenizer.Gpt2.SplitToStrings(text))
            {
                var wordIds = Ranks.Encode(word);
                Assert.Equal(wordIds, ids[at..(at + wordIds.Length)]);
                for (int i = 0; i + 1 < wordIds.Length; i++) Assert.False(pairRanks.ContainsKey((wordIds[i], wordIds[i + 1])));
                at += wordIds.Length;
            }
            Assert.Equal(ids.Length, at);
        }
    }
}

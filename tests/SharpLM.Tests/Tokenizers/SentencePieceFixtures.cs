using System.Runtime.CompilerServices;
using System.Text.Json;

namespace SharpLM.Tests.Tokenizers;

/// <summary>
/// The committed SentencePiece reference fixtures (Fixtures/sentencepiece). They were made outside
/// the project with Debian's python3-sentencepiece 0.1.97: four models trained on tinyshakespeare
/// plus summaries from the .NET SDK's reference XML docs and a few multilingual lines —
/// bpe_bf (BPE, 1500 pieces, byte_fallback, identity normalizer, spaces kept, split_digits,
/// user-defined "&lt;sep&gt;" and "[[x]]"), bpe_unk (BPE, 600, identity, no byte fallback),
/// unigram_bf (Unigram, 2000, nmt_nfkc, byte_fallback, user-defined "&lt;sep&gt;"), unigram_id
/// (Unigram, 800, identity, spaces kept), llama_style (BPE, 1200, byte_fallback, identity, spaces
/// kept, split_digits, no user symbols: Llama 2's settings). Each NAME.ref.json holds the library's encode() ids and
/// decode() text for stress strings, ids for 400 lines of docs.txt, and for tinyshakespeare split at
/// blank lines the id count and an FNV-1a-64 hash of every paragraph's ids (each followed by -1, as
/// little-endian int32). llama2.ref.json is the same for Llama 2's tokenizer.model (not committed).
/// </summary>
internal static class SentencePieceFixtures
{
    public static string Folder([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Fixtures", "sentencepiece");

    public static string Model(string name) => Path.Combine(Folder(), name + ".model");

    public static JsonElement Reference(string name) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder(), name + ".ref.json"))).RootElement;

    public static int[] Ids(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>FNV-1a 64 over each id list's ids then -1, as little-endian int32 (what the fixture script computed).</summary>
    public static (ulong Hash, long Count) Fnv(IEnumerable<int[]> lists)
    {
        ulong h = 0xcbf29ce484222325;
        long n = 0;
        foreach (var ids in lists)
        {
            foreach (int id in ids.Append(-1))
            {
                uint v = unchecked((uint)id);
                for (int k = 0; k < 4; k++)
                {
                    h ^= (v >> (8 * k)) & 0xFF;
                    h = unchecked(h * 0x100000001b3);
                }
                if (id != -1) n++;
            }
        }
        return (h, n);
    }
}

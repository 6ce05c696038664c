using SharpLM.Formats;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands.Seq2Seq;

/// <summary>
/// Cross-attention maps of a generated output: feeds the output back through the cached decoder,
/// recording for each output token and decoder layer how its attention (averaged over heads) spread
/// over the source tokens, and draws one map per layer with the attention-map writer.
/// </summary>
internal static class CrossAttentionMaps
{
    /// <summary>Writes the maps to <paramref name="path"/> (.svg, or .html for a page).</summary>
    public static void Write(string path, EncoderDecoder model, ITokenizer tok, int[] source, int[] output)
    {
        var c = model.Config;
        // The decoder input is the start token then the output; the row of step t is the token predicted there.
        int[] inputs = [c.DecoderStartTokenId, .. output];
        int steps = inputs.Length, s = source.Length, layers = c.DecoderLayers, heads = c.Heads;
        var engine = new Seq2SeqEngine(model, 1, steps);
        var cache = engine.Start([source]);
        var step = new float[layers * heads * s];
        engine.CrossAttentionProbabilities = step;
        var maps = Enumerable.Range(0, layers).Select(_ => new float[steps * s]).ToArray();
        for (int t = 0; t < steps; t++)
        {
            engine.Step(cache, [inputs[t]]);
            for (int l = 0; l < layers; l++)
                for (int h = 0; h < heads; h++)
                    for (int j = 0; j < s; j++) maps[l][t * s + j] += step[(l * heads + h) * s + j] / heads;
        }
        var rows = output.Select(tok.TokenPiece).Append("</s>").ToList();
        var columns = source.Select(tok.TokenPiece).ToList();
        var attentionMaps = maps.Select((w, l) => new AttentionMap($"layer {l}, average of {heads} heads", w)).ToList();
        string caption = "cross-attention: which source token (column) each output token (row) looked at";
        string svg = AttentionMapWriter.ToSvg(rows, columns, attentionMaps, caption);
        string content = path.EndsWith(".html", StringComparison.OrdinalIgnoreCase)
            ? $"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>Cross-attention</title></head><body><h1>Cross-attention</h1>{svg[(svg.IndexOf('\n') + 1)..]}</body></html>\n"
            : svg;
        AtomicFile.WriteAllText(path, content);
        Console.WriteLine($"cross-attention maps ({layers} layers) written to {path}");
    }
}

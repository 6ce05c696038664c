using System.CommandLine;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm attention</c>: runs a text through the model and draws where each token looks:
/// one heatmap per head (or the average over heads) for one layer or all, as an SVG or HTML file.
/// </summary>
public static class AttentionCommand
{
    /// <summary>Creates the <c>attention</c> command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Run folder with config.json, model.safetensors and tokenizer.json." };
        var text = new Option<string>("--text") { Description = "The text to run through the model." };
        var layer = new Option<int?>("--layer") { Description = "Only this layer (0-based; default: every layer)." };
        var head = new Option<string?>("--head") { Description = "A head number (0-based), or 'avg' for the average over heads (default: every head)." };
        var output = new Option<string>("--out") { Description = "Output file: .svg (an image) or .html (a page)." };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("attention", "Write attention heatmaps (tokens on both axes) of a text as a self-contained SVG or HTML file.");
        foreach (Option o in new Option[] { model, text, layer, head, output, threads }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string input = pr.GetValue(text) ?? throw new CliException("--text is required: the text to look at.");
            string path = pr.GetValue(output) ?? throw new CliException("--out is required: a .svg or .html file.");
            string ext = Path.GetExtension(path).ToLowerInvariant();
            if (ext is not (".svg" or ".html" or ".htm")) throw new CliException($"--out must end in .svg or .html, got '{path}'.");
            GenerateModelLoader.SetThreads(pr.GetValue(threads));
            var (gpt, tokenizer) = GenerateModelLoader.Load(pr.GetValue(model));
            var (tokens, maps, caption) = Capture(gpt, tokenizer, input, pr.GetValue(layer), pr.GetValue(head));
            string content = ext == ".svg" ? AttentionMapWriter.ToSvg(tokens, maps, caption) : AttentionMapWriter.ToHtml(tokens, maps, caption);
            WriteAtomically(path, content);
            Console.WriteLine($"wrote {maps.Count} attention map(s) over {tokens.Count} tokens to {path}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Runs <paramref name="text"/> and selects the maps: one layer or all, one head, every head, or the head average ("avg").</summary>
    public static (IReadOnlyList<string> Tokens, IReadOnlyList<AttentionMap> Maps, string Caption) Capture(
        Gpt model, ITokenizer tokenizer, string text, int? layer, string? head)
    {
        var cfg = model.Config;
        var ids = tokenizer.Encode(text);
        if (ids.Length == 0) throw new CliException("--text produced no tokens.");
        if (ids.Length > cfg.BlockSize) throw new CliException($"--text is {ids.Length} tokens; the model's context is {cfg.BlockSize}.");
        if (layer is int l && (l < 0 || l >= cfg.Layers)) throw new CliException($"--layer must be in 0..{cfg.Layers - 1}, got {l}.");
        bool average = string.Equals(head, "avg", StringComparison.OrdinalIgnoreCase);
        int? oneHead = null;
        if (head is not null && !average)
        {
            if (!int.TryParse(head, out int h) || h < 0 || h >= cfg.Heads)
                throw new CliException($"--head must be a head number in 0..{cfg.Heads - 1} or 'avg', got '{head}'.");
            oneHead = h;
        }
        var all = new Generator(model).CaptureAttention(ids).Span; // [L, H, T, T]
        int t = ids.Length, tt = t * t;
        var maps = new List<AttentionMap>();
        for (int li = 0; li < cfg.Layers; li++)
        {
            if (layer is int only && only != li) continue;
            if (average)
            {
                var avg = new float[tt];
                for (int hi = 0; hi < cfg.Heads; hi++)
                {
                    var src = all.Slice((li * cfg.Heads + hi) * tt, tt);
                    for (int i = 0; i < tt; i++) avg[i] += src[i] / cfg.Heads;
                }
                maps.Add(new AttentionMap($"layer {li}, average of {cfg.Heads} heads", avg));
                continue;
            }
            for (int hi = 0; hi < cfg.Heads; hi++)
                if (oneHead is null || oneHead == hi)
                    maps.Add(new AttentionMap($"layer {li}, head {hi}", all.Slice((li * cfg.Heads + hi) * tt, tt).ToArray()));
        }
        var tokens = ids.Select(tokenizer.TokenPiece).ToList();
        string caption = $"Attention of {t} tokens: \"{(text.Length > 60 ? text[..60] + "…" : text)}\"";
        return (tokens, maps, caption);
    }

    private static void WriteAtomically(string path, string content)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new CliException($"--out: folder '{dir}' does not exist.");
        var tmp = full + ".tmp";
        File.WriteAllText(tmp, content, new System.Text.UTF8Encoding(false));
        File.Move(tmp, full, overwrite: true);
    }
}

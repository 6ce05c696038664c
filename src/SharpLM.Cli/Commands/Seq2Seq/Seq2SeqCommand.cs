using System.CommandLine;
using SharpLM.Generation;
using SharpLM.Kernels;

namespace SharpLM.Cli.Commands.Seq2Seq;

/// <summary>
/// <c>sharplm seq2seq</c> (and its plain name <c>sharplm translate</c>): turns one text into another
/// with an encoder-decoder — greedy, sampled or beam search — and can draw which source tokens each
/// output token looked at (cross-attention maps) with the attention-map writer.
/// </summary>
public static class Seq2SeqCommand
{
    /// <summary>Creates the command under <paramref name="name"/> (<c>seq2seq</c> or <c>translate</c>).</summary>
    public static Command Create(string name = "seq2seq")
    {
        var model = new Option<string?>("--model") { Description = "Model folder (config.json, model.safetensors, tokenizer.json), e.g. runs/t5-ko." };
        var text = new Option<string?>("--text") { Description = "The source text." };
        var prefix = new Option<string>("--prefix") { Description = "Task prefix put before the text (as in fine-tuning), e.g. \"translate English to Korean: \".", DefaultValueFactory = _ => "" };
        var beams = new Option<int>("--beams") { Description = "Beam search with this many beams (1 = greedy / sampling).", DefaultValueFactory = _ => 1 };
        var maxLength = new Option<int>("--max-length") { Description = "Most output tokens.", DefaultValueFactory = _ => 64 };
        var lengthPenalty = new Option<float>("--length-penalty") { Description = "Beam score = log p / length^this.", DefaultValueFactory = _ => 1f };
        var noRepeat = new Option<int>("--no-repeat-ngram") { Description = "Forbid repeating any n-gram of this size (0 = off).", DefaultValueFactory = _ => 0 };
        var earlyStopping = new Option<bool>("--early-stopping") { Description = "Stop beam search once --beams outputs are finished." };
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature (0 = greedy; beams ignore it).", DefaultValueFactory = _ => 0f };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass (1 = off).", DefaultValueFactory = _ => 1f };
        var seed = new Option<ulong>("--seed") { Description = "Sampler seed.", DefaultValueFactory = _ => 1234UL };
        var attention = new Option<string?>("--attention-map") { Description = "Write the cross-attention maps (output token × source token, per layer, averaged over heads) to this .svg or .html." };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command(name, name == "translate"
            ? "Translate a text with an encoder-decoder model (same as seq2seq)."
            : "Turn a text into another with an encoder-decoder (T5/BART): greedy, sampling or beam search; cross-attention maps.");
        foreach (var o in new Option[] { model, text, prefix, beams, maxLength, lengthPenalty, noRepeat, earlyStopping, temperature, topP, seed, attention, threads }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            KernelThreads.Count = Math.Max(1, pr.GetValue(threads));
            var (m, tok) = Seq2SeqModelFolder.Load(pr.GetValue(model));
            string source = pr.GetValue(text) ?? throw new CliException("--text is required: the text to transform.");
            if (string.IsNullOrWhiteSpace(source)) throw new CliException("--text is empty.");
            var ids = Seq2SeqText.Encode(tok, pr.GetValue(prefix) + source, m.Config.EosTokenId);
            int max = pr.GetValue(maxLength);
            var generator = new Seq2SeqGenerator(m);
            int[] output;
            try
            {
                if (pr.GetValue(beams) > 1)
                    output = generator.GenerateBeam(ids, new BeamSearchOptions
                    {
                        Beams = pr.GetValue(beams), MaxLength = max, LengthPenalty = pr.GetValue(lengthPenalty),
                        NoRepeatNgramSize = pr.GetValue(noRepeat), EarlyStopping = pr.GetValue(earlyStopping),
                    });
                else
                {
                    float t = pr.GetValue(temperature);
                    var sampler = t > 0 ? new Sampler(m.Config.VocabSize, new SamplerOptions { Temperature = t, TopP = pr.GetValue(topP), Seed = pr.GetValue(seed) }) : null;
                    output = generator.Generate(ids, max, sampler);
                }
            }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            Console.WriteLine(Seq2SeqText.Decode(tok, output));
            if (pr.GetValue(attention) is { } mapPath) CrossAttentionMaps.Write(mapPath, m, tok, ids, output);
            return 0;
        });
        return cmd;
    }
}

using System.CommandLine;
using SharpLM.Generation;

namespace SharpLM.Cli.Commands;

/// <summary>The decoding options shared by <c>generate</c> and <c>chat</c> (temperature, top-k/p, min-p, penalties, stops, seed, threads).</summary>
internal sealed class GenerateSamplingOptions
{
    public Option<string> Model { get; } = new("--model") { Description = "Run folder with config.json, model.safetensors and tokenizer.json (e.g. runs/shakespeare), or a llama2.c .bin checkpoint." };
    public Option<string?> Tokenizer { get; } = new("--tokenizer") { Description = "Tokenizer to use instead of the model's (tokenizer.json, llama2.c's tokenizer.bin, …); needed for a llama2.c .bin without tokenizer.bin beside it." };
    public Option<int> MaxTokens { get; } = new("--max-tokens") { Description = "Most new tokens to generate.", DefaultValueFactory = _ => 200 };
    public Option<float> Temperature { get; } = new("--temperature") { Description = "Sampling temperature; 0 = greedy.", DefaultValueFactory = _ => 0.8f };
    public Option<int> TopK { get; } = new("--top-k") { Description = "Keep only the k most likely tokens (0 = off).", DefaultValueFactory = _ => 0 };
    public Option<float> TopP { get; } = new("--top-p") { Description = "Nucleus: keep the smallest set reaching this probability mass (1 = off).", DefaultValueFactory = _ => 0.95f };
    public Option<float> MinP { get; } = new("--min-p") { Description = "Drop tokens under min-p × the top probability (0 = off).", DefaultValueFactory = _ => 0f };
    public Option<float> RepetitionPenalty { get; } = new("--repetition-penalty") { Description = "Divide positive logits of recent tokens by this (1 = off).", DefaultValueFactory = _ => 1f };
    public Option<float> FrequencyPenalty { get; } = new("--frequency-penalty") { Description = "Subtract this × count of each recent token (0 = off).", DefaultValueFactory = _ => 0f };
    public Option<float> PresencePenalty { get; } = new("--presence-penalty") { Description = "Subtract this once from every recent token (0 = off).", DefaultValueFactory = _ => 0f };
    public Option<string[]> Stop { get; } = new("--stop") { Description = "Stop when this text appears (repeatable).", AllowMultipleArgumentsPerToken = false };
    public Option<ulong> Seed { get; } = new("--seed") { Description = "Random seed of the sampler.", DefaultValueFactory = _ => 1234UL };
    public Option<bool> Bos { get; } = new("--bos") { Description = "Start with the tokenizer's beginning-of-sequence token <s> (Llama checkpoints and llama2.c's run expect it)." };
    public Option<int> Threads { get; } = new("--threads") { Description = "Kernel threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Model, Tokenizer, MaxTokens, Temperature, TopK, TopP, MinP, RepetitionPenalty, FrequencyPenalty, PresencePenalty, Stop, Seed, Bos, Threads })
            command.Options.Add(o);
    }

    /// <summary>Reads the parsed values into generation options; bad values become CLI errors naming the option.</summary>
    public GenerationOptions Read(ParseResult pr, IReadOnlyList<string>? extraStops = null)
    {
        var sampling = new SamplerOptions
        {
            Temperature = pr.GetValue(Temperature), TopK = pr.GetValue(TopK), TopP = pr.GetValue(TopP), MinP = pr.GetValue(MinP),
            RepetitionPenalty = pr.GetValue(RepetitionPenalty), FrequencyPenalty = pr.GetValue(FrequencyPenalty),
            PresencePenalty = pr.GetValue(PresencePenalty), Seed = pr.GetValue(Seed),
        };
        var stops = (pr.GetValue(Stop) ?? []).Select(Unescape).Concat(extraStops ?? []).ToArray();
        var options = new GenerationOptions { MaxTokens = pr.GetValue(MaxTokens), Sampling = sampling, StopSequences = stops, PrependBos = pr.GetValue(Bos) };
        try { return options.Validate(); }
        catch (ArgumentException e) { throw new CliException("--" + e.Message); }
    }

    /// <summary>Lets a stop sequence name a newline or tab as <c>\n</c> / <c>\t</c> on the command line.</summary>
    public static string Unescape(string s) => s.Replace("\\n", "\n").Replace("\\t", "\t");
}

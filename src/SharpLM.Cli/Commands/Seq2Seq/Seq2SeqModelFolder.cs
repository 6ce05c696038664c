using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands.Seq2Seq;

/// <summary>Loads an encoder-decoder run or model folder (config.json, model.safetensors, tokenizer.json) with clear errors.</summary>
internal static class Seq2SeqModelFolder
{
    /// <summary>The model and tokenizer in <paramref name="folder"/>.</summary>
    public static (EncoderDecoder Model, ITokenizer Tokenizer) Load(string? folder)
    {
        if (string.IsNullOrEmpty(folder)) throw new CliException("--model is required: a folder with config.json, model.safetensors and tokenizer.json (e.g. runs/t5-ko).");
        if (!Directory.Exists(folder)) throw new CliException($"--model: folder '{folder}' does not exist.");
        if (!EncoderDecoderHuggingFace.IsEncoderDecoderFolder(folder))
            throw new CliException($"--model: {folder} has no T5 or BART config.json (model_type \"t5\" or \"bart\").");
        var tokenizerPath = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(tokenizerPath)) throw new CliException($"--model: {folder} has no tokenizer.json.");
        try
        {
            var model = EncoderDecoderHuggingFace.Load(folder);
            var tok = TokenizerFiles.Load(tokenizerPath);
            if (tok.VocabSize > model.Config.VocabSize)
                throw new CliException($"--model: the tokenizer has {tok.VocabSize} ids but the model only {model.Config.VocabSize}.");
            return (model, tok);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or TokenizerFormatException or ArgumentException)
        {
            throw new CliException(e.Message);
        }
    }
}

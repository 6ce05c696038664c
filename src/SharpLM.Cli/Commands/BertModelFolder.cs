using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary>Opens a BERT model folder (ours or Hugging Face's): the model and its WordPiece tokenizer, with errors that say what is missing.</summary>
public static class BertModelFolder
{
    /// <summary>Loads the model (its task from config.json) and the tokenizer (tokenizer.json, else vocab.txt).</summary>
    public static (Bert Model, WordPieceTokenizer Tokenizer) Load(string directory, BertTask? task = null)
    {
        if (!Directory.Exists(directory)) throw new CliException($"--model: folder '{directory}' does not exist.");
        if (!BertHuggingFace.IsBertFolder(directory))
            throw new CliException($"--model: {directory} is not a BERT folder (its config.json must say \"model_type\": \"bert\").");
        var model = BertHuggingFace.Load(directory, task);
        var tokenizer = WordPieceVocabFile.LoadFolder(directory);
        if (tokenizer.VocabSize != model.Config.VocabSize)
            throw new CliException($"--model: {directory}'s tokenizer has {tokenizer.VocabSize} pieces but config.json says vocab_size {model.Config.VocabSize}.");
        return (model, tokenizer);
    }
}

using System.Globalization;
using SharpLM.Adapters;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tokenizers;

namespace SharpLM.Training;

/// <summary>
/// A training checkpoint in a run folder: the model in its family's Hugging Face layout
/// (<c>model.safetensors</c> + <c>config.json</c>), the tokenizer (<c>tokenizer.json</c>), the
/// AdamW moments (<c>optimizer.safetensors</c>) and the step/RNG state
/// (<c>trainer_state.json</c>, written last so it marks a complete checkpoint). Every file
/// is written into a staging folder and the set is moved into place together (<see cref="FileSetCommit"/>).
/// A LoRA run also writes its active adapter (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>,
/// PEFT's format) beside the frozen base; <see cref="LoadModel"/> attaches it again, so the optimizer
/// rebuilt from the trainable parameters matches the saved moments.
/// </summary>
public static class Checkpoint
{
    /// <summary>File name of the optimizer moments inside a run folder.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    /// <summary>File name of the tokenizer inside a run folder.</summary>
    public const string TokenizerFile = "tokenizer.json";

    /// <summary>Writes everything needed to resume <paramref name="trainer"/> into <paramref name="directory"/>.</summary>
    public static void Save(string directory, Trainer trainer, ITokenizer tokenizer, TrainerState state) =>
        // All files of a checkpoint are replaced together: a crash leaves the previous complete set.
        FileSetCommit.Write(directory, stage =>
        {
            var adam = trainer.Optimizer;
            var moments = new List<(string, Tensor)>();
            for (int i = 0; i < adam.Names.Length; i++)
            {
                moments.Add(("exp_avg." + adam.Names[i], adam.M[i]));
                moments.Add(("exp_avg_sq." + adam.Names[i], adam.V[i]));
            }
            Safetensors.Write(Path.Combine(stage, OptimizerFile), moments, new Dictionary<string, string>
            {
                ["step"] = state.Step.ToString(CultureInfo.InvariantCulture),
                ["adam_step"] = adam.Step.ToString(CultureInfo.InvariantCulture),
            });
            trainer.Model.Save(stage);
            if (trainer.Model is Nn.Module module && Lora.ActiveName(module) is { } adapter) PeftAdapter.WriteFiles(module, stage, adapter);
            TokenizerFiles.Save(tokenizer, Path.Combine(stage, TokenizerFile));
            state.Write(Path.Combine(stage, TrainerState.FileName));
        });

    /// <summary>The trainer state of a run folder (throws naming the file when it is missing or corrupt).</summary>
    public static TrainerState ReadState(string directory)
    {
        // Finish (or discard) a checkpoint whose writing was interrupted, e.g. by kill -9.
        FileSetCommit.Recover(directory);
        var path = Path.Combine(directory, TrainerState.FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{directory}: there is no complete checkpoint to resume from (no {TrainerState.FileName}; the run stopped before its first save, or this is not a run folder). Start it again with --overwrite.", path);
        return TrainerState.Read(path);
    }

    /// <summary>Loads the decoder of a run folder, with its LoRA adapter attached (base frozen) when the run has one (throws naming the file when it is missing or corrupt).</summary>
    public static Gpt LoadModel(string directory)
    {
        var model = GptHuggingFace.Load(directory);
        if (PeftAdapter.Exists(directory)) PeftAdapter.Load(model, directory);
        return model;
    }

    /// <summary>Loads the tokenizer of a run folder.</summary>
    public static ITokenizer LoadTokenizer(string directory)
    {
        var path = Path.Combine(directory, TokenizerFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{directory}: the run has no {TokenizerFile}.", path);
        return TokenizerFiles.Load(path);
    }

    /// <summary>
    /// Puts a trainer (built on the loaded model and the same data) into the checkpoint's
    /// state: optimizer moments and step, random generators and the step counter.
    /// </summary>
    public static void Restore(string directory, Trainer trainer, TrainerState state)
    {
        var path = Path.Combine(directory, OptimizerFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{directory}: the run has no {OptimizerFile} (optimizer state).", path);
        using var file = SafetensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("step", out var stepText) || stepText != state.Step.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{path}: written at step {stepText ?? "?"}, but {TrainerState.FileName} says step {state.Step}; the checkpoint is incomplete (interrupted while saving?).");
        if (!file.Metadata.TryGetValue("adam_step", out var adamText) || !long.TryParse(adamText, CultureInfo.InvariantCulture, out long adamStep))
            throw new InvalidDataException($"{path}: metadata 'adam_step' is missing or not a number.");
        var adam = trainer.Optimizer;
        for (int i = 0; i < adam.Names.Length; i++)
        {
            ReadMoment(file, "exp_avg." + adam.Names[i], adam.M[i]);
            ReadMoment(file, "exp_avg_sq." + adam.Names[i], adam.V[i]);
        }
        adam.Step = adamStep;
        trainer.Step = state.Step;
        trainer.BatchRng = Rng.FromState(state.BatchRng);
        trainer.DropoutRng = Rng.FromState(state.DropoutRng);
    }

    private static void ReadMoment(SafetensorsFile file, string name, Tensor destination)
    {
        if (!file.Contains(name)) throw new InvalidDataException($"{file.Path}: tensor '{name}' is missing (the optimizer state does not match this model).");
        var info = file.Info(name);
        if (!info.Shape.SequenceEqual(destination.ShapeArray))
            throw new InvalidDataException($"{file.Path}: tensor '{name}' has shape {Tensor.FormatShape(info.Shape)}, the model needs {destination}.");
        file.ReadInto(name, destination.Span);
    }
}

using SharpLM.Autograd;

namespace SharpLM.Models;

/// <summary>
/// A model the trainer can update and a run folder can hold: every family (GPT/LLaMA decoder,
/// BERT encoder, T5/BART encoder-decoder) exposes its weights by name and saves itself in its
/// Hugging Face layout.
/// </summary>
public interface ITrainableModel
{
    /// <summary>Every trainable weight with its (Hugging Face-style) name, in a fixed order.</summary>
    IEnumerable<(string Name, Variable Parameter)> NamedParameters(string prefix = "");

    /// <summary>What the optimizer updates: the weights that are not frozen, then the active LoRA adapters' A and B (see <c>Module.TrainableParameters</c>).</summary>
    IEnumerable<(string Name, Variable Parameter)> TrainableParameters();

    /// <summary>Total number of weights.</summary>
    long ParameterCount();

    /// <summary>Writes the model into <paramref name="directory"/> (<c>model.safetensors</c> + <c>config.json</c>), each file atomically.</summary>
    void Save(string directory);

    /// <summary>One line for a learner: family, shape and parameter count.</summary>
    string Describe();
}

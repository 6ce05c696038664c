namespace SharpLM.Models;

public sealed partial class Gpt : ITrainableModel
{
    /// <summary>Writes the model in its Hugging Face layout (<c>model.safetensors</c> + <c>config.json</c>).</summary>
    public void Save(string directory) => GptHuggingFace.Save(this, directory);

    /// <summary>One line: decoder-only, shape and parameter count.</summary>
    public string Describe()
    {
        var c = Config;
        string mlp = c.Activation switch { MlpActivation.Gelu => "exact GELU", MlpActivation.SwiGlu => $"SwiGLU {c.MlpWidth}", _ => "tanh GELU" };
        string family = c.IsLlamaStyle ? $"LLaMA-style (rotary θ {c.RopeTheta:G}, {c.KvHeadCount} key/value heads), " : "";
        return $"decoder-only: {family}{c.Layers} layers, {c.Heads} heads, width {c.Width}, context {c.BlockSize}, {mlp}, {ParameterCount():N0} parameters";
    }
}

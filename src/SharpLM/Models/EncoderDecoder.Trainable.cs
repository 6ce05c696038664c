namespace SharpLM.Models;

public sealed partial class EncoderDecoder : ITrainableModel
{
    /// <summary>Writes the model in its Hugging Face layout (<c>model.safetensors</c> + <c>config.json</c>).</summary>
    public void Save(string directory) => EncoderDecoderHuggingFace.Save(this, directory);
}

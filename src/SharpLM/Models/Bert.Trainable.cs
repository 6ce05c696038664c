namespace SharpLM.Models;

public sealed partial class Bert : ITrainableModel
{
    /// <summary>Writes the model in its Hugging Face layout (<c>model.safetensors</c> + <c>config.json</c>).</summary>
    public void Save(string directory) => BertHuggingFace.Save(this, directory);
}

using SharpLM.Adapters;
using SharpLM.Cli;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Tests.Adapters;

public sealed class LoraCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-lora-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MergeWritesAModelWhoseLogitsAreBasePlusAdapter(bool llama)
    {
        string baseDir = Path.Combine(_root, "base"), adapterDir = Path.Combine(_root, "adapter"), merged = Path.Combine(_root, "merged");
        var config = llama ? LoraTestModels.Llama() : LoraTestModels.Gpt2();
        new Gpt(config, seed: 1).Save(baseDir);
        var adapted = GptHuggingFace.Load(baseDir);
        Lora.Apply(adapted, LoraOptions.Parse(llama ? "r=2,targets=q_proj,v_proj,down_proj" : "r=2,targets=c_attn,c_fc"), new Rng(2));
        LoraTestModels.RandomizeB(adapted, 3);
        PeftAdapter.Save(adapted, adapterDir);

        Assert.Equal(0, CliInvocation.Invoke("lora", "merge", "--model", baseDir, "--adapter", adapterDir, "--out", merged));
        var ids = LoraTestModels.Ids(12, config.VocabSize, 4);
        var expected = LoraTestModels.Logits(adapted, ids, 1, 12);
        var actual = LoraTestModels.Logits(GptHuggingFace.Load(merged), ids, 1, 12);
        double max = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(max <= 1e-5, $"merged model's logits differ by {max:G3}");
        Assert.Equal(0, CliInvocation.Invoke("lora", "show", "--adapter", adapterDir));
    }

    [Fact]
    public void MergeNamesWhatIsWrong()
    {
        string baseDir = Path.Combine(_root, "base");
        new Gpt(LoraTestModels.Gpt2(), seed: 1).Save(baseDir);
        var e = Assert.Throws<CliException>(() => CliInvocation.Invoke("lora", "merge", "--model", baseDir, "--adapter", Path.Combine(_root, "none"), "--out", Path.Combine(_root, "m")));
        Assert.Contains("--adapter", e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "m")));
    }
}

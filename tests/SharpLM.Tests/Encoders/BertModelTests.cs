using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tests.Autograd;

namespace SharpLM.Tests.Encoders;

public class BertModelTests
{
    [Fact]
    public void TanhGradientMatchesFiniteDifferences()
    {
        var x = new Variable(Tensor.RandomNormal([3, 7], 0, 1.5f, 3), requiresGrad: true);
        var w = Tensor.RandomNormal([3, 7], 0, 1, 4);
        GradCheck.AssertGradients(tape => GradCheck.WeightedSum(tape, tape.Tanh(tape.Add(x, x)), w), [x]);
    }

    [Fact]
    public void PretrainingLossGradientMatchesFiniteDifferences()
    {
        // The whole forward (gathers, head split/merge, padding mask, pooler, tied decoder) through one loss.
        var config = new BertConfig { VocabSize = 20, Width = 8, Layers = 2, Heads = 2, Intermediate = 12, MaxPositions = 8, Dropout = 0 };
        var model = new Bert(config, BertTask.PreTraining, seed: 3);
        var rng = new Rng(8);
        foreach (var (_, p) in model.NamedParameters()) rng.FillNormal(p.Data.Span, 0, 0.3f);
        var batch = new BertBatch([2, 5, 6, 3, 7, 3, 2, 9, 3, 0, 0, 0], [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0], [6, 3], 2, 6);
        int[] positions = [1, 4, 7];
        int[] targets = [11, 12, 13];
        int[] nsp = [0, 1];
        Variable Loss(Tape tape)
        {
            var h = model.Encode(tape, batch);
            var mlm = tape.CrossEntropy(model.MlmLogits(tape, h, positions), targets);
            return tape.Add(mlm, tape.CrossEntropy(model.NspLogits(tape, model.Pool(tape, h)), nsp));
        }
        var checkedParameters = model.NamedParameters()
            .Where(p => p.Name is "bert.embeddings.word_embeddings.weight" or "bert.embeddings.token_type_embeddings.weight"
                or "bert.encoder.layer.0.attention.self.key.weight" or "bert.encoder.layer.1.output.LayerNorm.bias"
                or "bert.pooler.dense.weight" or "cls.predictions.bias" or "cls.predictions.transform.dense.weight")
            .Select(p => p.Parameter).ToArray();
        Assert.Equal(7, checkedParameters.Length);
        GradCheck.AssertGradients(Loss, checkedParameters, step: 1e-2f, maxChecksPerInput: 24);
    }

    [Fact]
    public void PaddingDoesNotChangeTheRealTokensOutputs()
    {
        var model = BertReferenceModels.Build(BertTask.MaskedLM);
        var tape = new Tape(recordGradients: false) { Training = false };
        var alone = model.Encode(tape, BertBatch.Single([2, 9, 8, 3])).Data.ToArray();
        var padded = model.Encode(tape, BertBatch.Pad([([2, 9, 8, 3], new int[4]), ([2, 5, 6, 7, 8, 9, 3], new int[7])], padId: 0)).Data.ToArray();
        for (int i = 0; i < alone.Length; i++) Assert.Equal(alone[i], padded[i], 4);
    }

    [Fact]
    public void BertBaseHasHuggingFaceNamesShapesAndParameterCount()
    {
        var model = Bert.Uninitialized(BertConfig.Preset("bert-base"), BertTask.PreTraining);
        var shapes = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data.ShapeArray);
        Assert.Equal([30522, 768], shapes["bert.embeddings.word_embeddings.weight"]);
        Assert.Equal([512, 768], shapes["bert.embeddings.position_embeddings.weight"]);
        Assert.Equal([2, 768], shapes["bert.embeddings.token_type_embeddings.weight"]);
        Assert.Equal([768], shapes["bert.embeddings.LayerNorm.weight"]);
        Assert.Equal([768, 768], shapes["bert.encoder.layer.11.attention.self.query.weight"]);
        Assert.Equal([768], shapes["bert.encoder.layer.11.attention.self.value.bias"]);
        Assert.Equal([768, 768], shapes["bert.encoder.layer.0.attention.output.dense.weight"]);
        Assert.Equal([768], shapes["bert.encoder.layer.0.attention.output.LayerNorm.bias"]);
        Assert.Equal([3072, 768], shapes["bert.encoder.layer.5.intermediate.dense.weight"]);
        Assert.Equal([768, 3072], shapes["bert.encoder.layer.5.output.dense.weight"]);
        Assert.Equal([768], shapes["bert.encoder.layer.5.output.LayerNorm.weight"]);
        Assert.Equal([768, 768], shapes["bert.pooler.dense.weight"]);
        Assert.Equal([768, 768], shapes["cls.predictions.transform.dense.weight"]);
        Assert.Equal([768], shapes["cls.predictions.transform.LayerNorm.weight"]);
        Assert.Equal([30522], shapes["cls.predictions.bias"]);
        Assert.Equal([2, 768], shapes["cls.seq_relationship.weight"]);
        Assert.Equal(5 + 16 * 12 + 2 + 5 + 2, shapes.Count);     // embeddings, 12 layers × 16, pooler, MLM head, NSP head
        Assert.Equal(110_106_428, model.ParameterCount());        // BertForPreTraining bert-base-uncased, the tied decoder counted once
        Assert.DoesNotContain(shapes.Keys, n => n.StartsWith("cls.predictions.decoder", StringComparison.Ordinal));

        var tagger = Bert.Uninitialized(BertConfig.Preset("bert-base"), BertTask.TokenClassification, ["O", "B-X", "I-X"]);
        Assert.DoesNotContain(tagger.NamedParameters(), p => p.Name.StartsWith("bert.pooler", StringComparison.Ordinal));
        Assert.Equal([3, 768], tagger.NamedParameters().Single(p => p.Name == "classifier.weight").Parameter.Data.ShapeArray);
    }

    [Fact]
    public void PresetsHaveTheDocumentedShapes()
    {
        Assert.Equal((2, 128, 2), Shape("bert-tiny"));
        Assert.Equal((4, 256, 4), Shape("bert-mini"));
        Assert.Equal((4, 512, 8), Shape("bert-small"));
        Assert.Equal((12, 768, 12), Shape("bert-base"));
        Assert.Contains("bert-tiny", Assert.Throws<ArgumentException>(() => BertConfig.Preset("bert-huge")).Message);
        static (int, int, int) Shape(string name) { var c = BertConfig.Preset(name); return (c.Layers, c.Width, c.Heads); }
    }

    [Fact]
    public void ClearErrorsForBadInput()
    {
        var model = BertReferenceModels.Build(BertTask.MaskedLM);
        var tape = new Tape(recordGradients: false);
        var tooLong = Enumerable.Repeat(5, 17).ToArray();
        Assert.Contains("exceeds the model's 16 positions", Assert.Throws<ArgumentException>(() => model.Encode(tape, BertBatch.Single(tooLong))).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentOutOfRangeException>(() => model.Encode(tape, BertBatch.Single([2, 100, 3]))).Message);
        Assert.Contains("at least two labels", Assert.Throws<ArgumentException>(() => new Bert(BertReferenceModels.Config, BertTask.SequenceClassification, 1, ["only"])).Message);
        Assert.Contains("no next-sentence head", Assert.Throws<InvalidOperationException>(() => model.NspLogits(tape, tape.Input(new Tensor(1, 32)))).Message);
    }
}

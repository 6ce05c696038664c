using System.Text.Json;
using SharpLM.Autograd;
using SharpLM.Models;

namespace SharpLM.Tests.Encoders;

/// <summary>
/// Our BERT forward against Hugging Face transformers' own classes. How the fixtures were made,
/// in words: each model of <see cref="BertReferenceModels.Build"/> was saved with
/// <see cref="BertHuggingFace.Save"/>, loaded strictly (no missing, unexpected or mis-shaped
/// tensor) by transformers 4.39 (torch 1.13, float32, eager attention) as BertForPreTraining /
/// BertForMaskedLM / BertForSequenceClassification / BertForTokenClassification, and run on
/// <see cref="BertReferenceModels.Batch"/> with its token_type_ids and attention_mask; the
/// output tensors were stored as JSON in Fixtures/bert/TASK.json.
/// </summary>
public sealed class BertHuggingFaceParityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-bert-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int[] Shape, float[] Data) Expected(BertTask task, string field)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "bert", task + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var o = doc.RootElement.GetProperty("outputs").GetProperty(field);
        var shape = o.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var data = new List<float>();
        void Flatten(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array) foreach (var x in e.EnumerateArray()) Flatten(x);
            else data.Add(e.GetSingle());
        }
        Flatten(o.GetProperty("data"));
        return (shape, data.ToArray());
    }

    private static void AssertClose((int[] Shape, float[] Data) expected, Variable actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Data.ShapeArray);
        var a = actual.Data.Span;
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - expected.Data[i]) <= 1e-4f + 1e-4f * Math.Abs(expected.Data[i]),
                $"{what}[{i}]: ours {a[i]}, transformers {expected.Data[i]}");
    }

    /// <summary>The model as transformers would load it: saved, then read back by our loader.</summary>
    private Bert RoundTrip(BertTask task)
    {
        var dir = Path.Combine(_dir, task.ToString());
        BertHuggingFace.Save(BertReferenceModels.Build(task), dir);
        var loaded = BertHuggingFace.Load(dir);
        Assert.Equal(task, loaded.Task);
        return loaded;
    }


    [Theory]
    [InlineData(BertTask.PreTraining)]
    [InlineData(BertTask.MaskedLM)]
    public void MlmLogitsMatchTransformers(BertTask task)
    {
        var model = RoundTrip(task);
        var batch = BertReferenceModels.Batch();
        var tape = new Tape(recordGradients: false) { Training = false };
        var hidden = model.Encode(tape, batch);
        var logits = model.MlmLogits(tape, hidden, Enumerable.Range(0, batch.B * batch.T).ToArray());
        var expected = Expected(task, task == BertTask.PreTraining ? "prediction_logits" : "logits");
        AssertClose((expected.Shape, expected.Data), tape.Reshape(logits, 2, 8, 100), "prediction_logits");
        if (task == BertTask.PreTraining)
            AssertClose(Expected(task, "seq_relationship_logits"), model.NspLogits(tape, model.Pool(tape, hidden)), "seq_relationship_logits");
    }

    [Theory]
    [InlineData(BertTask.SequenceClassification)]
    [InlineData(BertTask.TokenClassification)]
    public void ClassifierLogitsMatchTransformers(BertTask task)
    {
        var model = RoundTrip(task);
        var tape = new Tape(recordGradients: false) { Training = false };
        AssertClose(Expected(task, "logits"), model.ClassifierLogits(tape, BertReferenceModels.Batch()), "logits");
        Assert.Equal(task == BertTask.SequenceClassification ? BertReferenceModels.Labels[..3] : BertReferenceModels.Labels, model.Labels);
    }
}

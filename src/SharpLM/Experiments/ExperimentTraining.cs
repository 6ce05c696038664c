using SharpLM.Autograd;
using SharpLM.Training;

namespace SharpLM.Experiments;

/// <summary>The one optimizer step every experiment model takes: backward through the tape, clip the global gradient norm, AdamW with a short linear warm-up.</summary>
public static class ExperimentTraining
{
    /// <summary>Zeroes gradients, records <paramref name="loss"/> on <paramref name="tape"/>, back-propagates, clips to <paramref name="clip"/> and updates; returns the loss.</summary>
    public static double Step(Tape tape, AdamW optimizer, Func<Tape, Variable> loss, int step, float learningRate, float clip = 1f, int warmup = 20)
    {
        tape.Reset();
        optimizer.ZeroGradients();
        var l = loss(tape);
        tape.Backward(l);
        double value = l.Data[0];
        tape.Reset();
        double norm = optimizer.GradientNorm();
        if (clip > 0 && norm > clip) optimizer.ScaleGradients((float)(clip / (norm + 1e-6)));
        optimizer.Update(learningRate * Math.Min(1f, (step + 1) / (float)warmup));
        return value;
    }
}

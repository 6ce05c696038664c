namespace SharpLM.Training;

/// <summary>
/// The learning-rate schedule nanoGPT uses: a linear warmup from ~0 to the peak over the
/// first <see cref="WarmupSteps"/> steps (big early updates on random weights are unstable),
/// then a cosine decay to <see cref="MinLr"/> at <see cref="DecaySteps"/>, flat after that.
/// </summary>
public sealed record LearningRateSchedule(float MaxLr, float MinLr, int WarmupSteps, int DecaySteps)
{
    /// <summary>The learning rate for 0-based step <paramref name="step"/>.</summary>
    public float At(int step)
    {
        if (step < WarmupSteps) return MaxLr * (step + 1) / WarmupSteps;
        if (step >= DecaySteps) return MinLr;
        double ratio = (double)(step - WarmupSteps) / Math.Max(1, DecaySteps - WarmupSteps);
        double coeff = 0.5 * (1.0 + Math.Cos(Math.PI * ratio));
        return (float)(MinLr + coeff * (MaxLr - MinLr));
    }
}

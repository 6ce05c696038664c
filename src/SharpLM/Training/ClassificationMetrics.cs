using System.Text;

namespace SharpLM.Training;

/// <summary>
/// How well a classifier did: accuracy, each class's precision / recall / F1, their unweighted
/// mean (macro-F1, so rare classes count as much as common ones) and the confusion matrix
/// (row = true label, column = predicted).
/// </summary>
public sealed class ClassificationMetrics
{
    /// <summary>Scores predicted class ids against gold ones over <paramref name="labels"/>.</summary>
    public ClassificationMetrics(IReadOnlyList<string> labels, IReadOnlyList<int> gold, IReadOnlyList<int> predicted)
    {
        if (gold.Count != predicted.Count) throw new ArgumentException($"{gold.Count} gold labels but {predicted.Count} predictions.");
        Labels = labels;
        int k = labels.Count;
        Confusion = new int[k, k];
        for (int i = 0; i < gold.Count; i++) Confusion[gold[i], predicted[i]]++;
        Count = gold.Count;
        int right = 0;
        for (int c = 0; c < k; c++) right += Confusion[c, c];
        Accuracy = Count == 0 ? 0 : (double)right / Count;
        Precision = new double[k];
        Recall = new double[k];
        F1 = new double[k];
        int present = 0;
        double f1Sum = 0;
        for (int c = 0; c < k; c++)
        {
            int truePos = Confusion[c, c], goldCount = 0, predCount = 0;
            for (int j = 0; j < k; j++) { goldCount += Confusion[c, j]; predCount += Confusion[j, c]; }
            Precision[c] = predCount == 0 ? 0 : (double)truePos / predCount;
            Recall[c] = goldCount == 0 ? 0 : (double)truePos / goldCount;
            F1[c] = Precision[c] + Recall[c] == 0 ? 0 : 2 * Precision[c] * Recall[c] / (Precision[c] + Recall[c]);
            // Macro average over the labels that occur in the gold data or the predictions (as scikit-learn).
            if (goldCount + predCount > 0) { present++; f1Sum += F1[c]; }
        }
        MacroF1 = present == 0 ? 0 : f1Sum / present;
    }

    /// <summary>Label names by id.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Examples scored.</summary>
    public int Count { get; }

    /// <summary>Fraction predicted right.</summary>
    public double Accuracy { get; }

    /// <summary>Mean of the per-class F1 over the classes present.</summary>
    public double MacroF1 { get; }

    /// <summary>Per-class precision.</summary>
    public double[] Precision { get; }

    /// <summary>Per-class recall.</summary>
    public double[] Recall { get; }

    /// <summary>Per-class F1.</summary>
    public double[] F1 { get; }

    /// <summary>Counts <c>[gold, predicted]</c>.</summary>
    public int[,] Confusion { get; }

    /// <summary>A readable report: accuracy, macro-F1, per-class scores and the confusion matrix.</summary>
    public string Report()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"accuracy {Accuracy:P2} of {Count:N0}, macro-F1 {MacroF1:F4}");
        int w = Math.Max(8, Labels.Max(l => l.Length));
        sb.AppendLine($"{"label".PadRight(w)}  precision  recall     F1  support");
        for (int c = 0; c < Labels.Count; c++)
        {
            int support = 0;
            for (int j = 0; j < Labels.Count; j++) support += Confusion[c, j];
            sb.AppendLine($"{Labels[c].PadRight(w)}  {Precision[c],9:F4}  {Recall[c],6:F4}  {F1[c],6:F4}  {support,7}");
        }
        sb.AppendLine("confusion matrix (rows: true label, columns: predicted, in the order above):");
        for (int c = 0; c < Labels.Count; c++)
        {
            sb.Append(Labels[c].PadRight(w)).Append(' ');
            for (int j = 0; j < Labels.Count; j++) sb.Append($"{Confusion[c, j],6}");
            sb.AppendLine();
        }
        return sb.ToString();
    }
}

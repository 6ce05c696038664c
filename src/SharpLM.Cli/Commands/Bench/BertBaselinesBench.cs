using System.CommandLine;
using System.Globalization;
using SharpLM.Training;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench bert-baselines</c>: what a fine-tuned BERT must beat on a NER and a
/// classification test set — the dictionary tagger's entity F1, and the majority class's and a
/// bag-of-words nearest neighbour's accuracy (and macro-F1).
/// </summary>
public static class BertBaselinesBench
{
    /// <summary>Creates the <c>bert-baselines</c> sub-command.</summary>
    public static Command Create()
    {
        var nerTrain = new Option<string?>("--ner-train") { Description = "CoNLL training file (e.g. from 'sharplm data sdk-ner')." };
        var nerTest = new Option<string?>("--ner-test") { Description = "CoNLL test file." };
        var clsTrain = new Option<string?>("--cls-train") { Description = "Classification training file (e.g. from 'sharplm data sdk-classify')." };
        var clsTest = new Option<string?>("--cls-test") { Description = "Classification test file." };
        var cmd = new Command("bert-baselines", "Baselines for fine-tuned BERTs: dictionary NER entity F1; majority and bag-of-words nearest-neighbour classification accuracy.");
        foreach (var o in new Option[] { nerTrain, nerTest, clsTrain, clsTest }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            try
            {
                if (pr.GetValue(nerTrain) is { } nt && pr.GetValue(nerTest) is { } ne)
                {
                    var tagger = new DictionaryTagger(ConllFile.Read(nt));
                    var test = ConllFile.Read(ne);
                    var m = new EntityMetrics(test.Select(s => s.Tags).ToArray(), test.Select(s => tagger.Tag(s.Words)).ToArray());
                    Console.WriteLine($"NER dictionary baseline ({tagger.Count:N0} entity strings from {nt}) on {ne}:");
                    Console.Write(m.Report());
                }
                if (pr.GetValue(clsTrain) is { } ct && pr.GetValue(clsTest) is { } ce)
                {
                    var train = LabeledTextFile.Read(ct);
                    var test = LabeledTextFile.Read(ce);
                    var labels = BertExamples.LabelSet(train.Select(r => r.Label));
                    var ids = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
                    var gold = test.Select(r => BertExamples.LabelId(ids, r.Label, $"{ce}, line {r.Line}")).ToArray();
                    string majority = train.GroupBy(r => r.Label).OrderByDescending(g => g.Count()).First().Key;
                    var maj = new ClassificationMetrics(labels, gold, gold.Select(_ => ids[majority]).ToArray());
                    var knn = new BagOfWordsNearestNeighbour(train);
                    var nn = new ClassificationMetrics(labels, gold, test.Select(r => ids[knn.Predict(r.Text, r.Pair)]).ToArray());
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"classification on {ce} ({test.Count:N0} examples, {labels.Length} labels):"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  majority class ({majority}): accuracy {maj.Accuracy:P2}, macro-F1 {maj.MacroF1:F4}"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  bag-of-words nearest neighbour: accuracy {nn.Accuracy:P2}, macro-F1 {nn.MacroF1:F4}"));
                }
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                throw new CliException(e.Message);
            }
        });
        return cmd;
    }
}

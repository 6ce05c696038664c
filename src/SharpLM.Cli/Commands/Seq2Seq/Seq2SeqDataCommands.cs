using System.CommandLine;
using SharpLM.Formats;
using SharpLM.Training.Data;

namespace SharpLM.Cli.Commands.Seq2Seq;

/// <summary>
/// <c>sharplm data gettext</c> and <c>sharplm data manpages</c>: build real text-to-text data from what
/// the machine has installed — program messages translated by people (gettext catalogs) and
/// manual pages (description → one-line summary) — as train/validation/test TSV split by
/// catalog / package; plus <c>sharplm seq2seq-baseline</c> (retrieval and lead baselines).
/// </summary>
public static class Seq2SeqDataCommands
{
    /// <summary>The <c>gettext</c> subcommand of <c>data</c>.</summary>
    public static Command Gettext()
    {
        var lang = new Option<string?>("--lang") { Description = "Target language code, e.g. ko or de (catalogs under /usr/share/locale/LANG*/LC_MESSAGES)." };
        var root = new Option<string>("--locale-dir") { Description = "Where the catalogs are (a locale tree, or a folder of .mo files).", DefaultValueFactory = _ => GettextCorpus.LocaleRoot };
        var output = new Option<string?>("--out") { Description = "Output folder for train.tsv, validation.tsv, test.tsv and splits.txt." };
        var cmd = new Command("gettext", "English → LANG translation pairs from the installed gettext catalogs (.mo), split by catalog.");
        foreach (var o in new Option[] { lang, root, output }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string language = pr.GetValue(lang) ?? throw new CliException("--lang is required, e.g. --lang ko.");
            string outDir = pr.GetValue(output) ?? throw new CliException("--out is required: the folder for the TSV files.");
            string dir = pr.GetValue(root)!;
            var catalogs = GettextCorpus.FindCatalogs(language, dir);
            if (catalogs.Count == 0 && Directory.Exists(dir)) catalogs = Directory.EnumerateFiles(dir, "*.mo").Order(StringComparer.Ordinal).ToList();
            if (catalogs.Count == 0)
                throw new CliException($"no gettext catalogs for '{language}' under {dir} (expected {dir}/{language}/LC_MESSAGES/*.mo). " +
                    "Install a program's translations (e.g. apt-get install coreutils, and remove the 'path-exclude /usr/share/locale' dpkg rule if the image has one), " +
                    "or point --locale-dir at a folder of .mo files (compile .po files with msgfmt).");
            var pairs = new List<TextPair>();
            int bad = 0;
            foreach (var c in catalogs)
            {
                try { pairs.AddRange(GettextCorpus.Pairs(c)); }
                catch (InvalidDataException e) { bad++; Console.Error.WriteLine($"skipped: {e.Message}"); }
            }
            var splits = GettextCorpus.Split(pairs);
            Write(outDir, splits, "catalog");
            Console.WriteLine($"{catalogs.Count - bad} catalogs, {pairs.Count:N0} pairs → train {splits.Train.Count:N0}, validation {splits.Validation.Count:N0} ({splits.ValidationGroups.Count} catalogs), test {splits.Test.Count:N0} ({splits.TestGroups.Count} catalogs) in {outDir}");
            return 0;
        });
        return cmd;
    }

    /// <summary>The <c>manpages</c> subcommand of <c>data</c>.</summary>
    public static Command ManPages()
    {
        var root = new Option<string>("--man-dir") { Description = "Manual page tree.", DefaultValueFactory = _ => "/usr/share/man" };
        var output = new Option<string?>("--out") { Description = "Output folder for train.tsv, validation.tsv, test.tsv and splits.txt." };
        var cmd = new Command("manpages", "Summarization pairs from the installed man pages: DESCRIPTION → NAME summary, split by package.");
        foreach (var o in new Option[] { root, output }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string outDir = pr.GetValue(output) ?? throw new CliException("--out is required: the folder for the TSV files.");
            var pages = ManPageCorpus.FindPages(pr.GetValue(root)!);
            if (pages.Count == 0) throw new CliException($"no manual pages under {pr.GetValue(root)} (man*/*.gz); install man-db and a few packages' docs, or point --man-dir at a man tree.");
            var owners = ManPageCorpus.PackageOwners();
            var pairs = new List<TextPair>();
            foreach (var page in pages)
            {
                string group = owners.TryGetValue(page, out var pkg) ? pkg : Path.GetFileName(page).Split('.')[0];
                if (ManPageCorpus.FromPage(page, group) is { } pair) pairs.Add(pair);
            }
            // The same page is often installed under several names: keep one pair per source.
            var unique = pairs.GroupBy(p => p.Source).Select(g => g.First()).ToList();
            var splits = GettextCorpus.Split(unique);
            Write(outDir, splits, "package");
            Console.WriteLine($"{pages.Count:N0} pages, {unique.Count:N0} pairs → train {splits.Train.Count:N0}, validation {splits.Validation.Count:N0} ({splits.ValidationGroups.Count} packages), test {splits.Test.Count:N0} ({splits.TestGroups.Count} packages) in {outDir}");
            return 0;
        });
        return cmd;
    }

    /// <summary><c>sharplm seq2seq-baseline --train F --eval F --kind retrieval|lead</c>: the baselines' scores.</summary>
    public static Command Baseline()
    {
        var train = new Option<string?>("--train") { Description = "Training pairs (the retrieval baseline's memory)." };
        var eval = new Option<string?>("--eval") { Description = "Held-out pairs to score." };
        var kind = new Option<string>("--kind") { Description = "retrieval (target of the most similar training source by character n-grams) or lead (the source's first sentence).", DefaultValueFactory = _ => "retrieval" };
        var limit = new Option<int>("--eval-limit") { Description = "Score at most this many pairs (0 = all).", DefaultValueFactory = _ => 500 };
        var cmd = new Command("seq2seq-baseline", "Score the retrieval or lead baseline on held-out pairs (chrF, BLEU, ROUGE-L, exact match).");
        foreach (var o in new Option[] { train, eval, kind, limit }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            try
            {
                var evalPairs = TextPairFile.Read(pr.GetValue(eval) ?? throw new CliException("--eval is required."));
                if (pr.GetValue(limit) > 0) evalPairs = evalPairs.Take(pr.GetValue(limit)).ToList();
                var outputs = pr.GetValue(kind) switch
                {
                    "retrieval" => Seq2SeqEvaluation.Retrieval(TextPairFile.Read(pr.GetValue(train) ?? throw new CliException("--train is required for the retrieval baseline.")), evalPairs),
                    "lead" => Seq2SeqEvaluation.Lead(evalPairs),
                    var k => throw new CliException($"--kind must be retrieval or lead, got '{k}'."),
                };
                Seq2SeqEvaluation.Report($"{pr.GetValue(kind)} baseline", Seq2SeqEvaluation.Score(outputs, evalPairs.Select(p => p.Target).ToList()), null, evalPairs, outputs);
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException) { throw new CliException(e.Message); }
        });
        return cmd;
    }

    private static void Write(string outDir, CorpusSplits splits, string groupWord)
    {
        Directory.CreateDirectory(outDir);
        TextPairFile.WriteTsv(Path.Combine(outDir, "train.tsv"), splits.Train);
        TextPairFile.WriteTsv(Path.Combine(outDir, "validation.tsv"), splits.Validation);
        TextPairFile.WriteTsv(Path.Combine(outDir, "test.tsv"), splits.Test);
        AtomicFile.WriteAllText(Path.Combine(outDir, "splits.txt"),
            $"validation {groupWord}s: {string.Join(' ', splits.ValidationGroups)}\ntest {groupWord}s: {string.Join(' ', splits.TestGroups)}\n");
    }
}

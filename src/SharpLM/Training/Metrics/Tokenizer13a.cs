using System.Text.RegularExpressions;

namespace SharpLM.Training.Metrics;

/// <summary>
/// The "13a" tokenization BLEU is reported with (mteval-v13a, sacreBLEU's default): unescape a few
/// XML entities, split off punctuation and symbols, split periods and commas unless they sit
/// inside a number, split a dash after a digit, and collapse whitespace.
/// </summary>
public static partial class Tokenizer13a
{
    [GeneratedRegex(@"([\{-~\[-` -&\(-\+:-@/])")] private static partial Regex Symbols();
    [GeneratedRegex(@"([^0-9])([\.,])")] private static partial Regex PeriodCommaAfterNonDigit();
    [GeneratedRegex(@"([\.,])([^0-9])")] private static partial Regex PeriodCommaBeforeNonDigit();
    [GeneratedRegex(@"([0-9])(-)")] private static partial Regex DashAfterDigit();

    /// <summary>The tokens of <paramref name="line"/>, separated by single spaces.</summary>
    public static string Tokenize(string line)
    {
        line = (line ?? "").Replace("<skipped>", "").Replace("-\n", "").Replace("\n", " ");
        if (line.Contains('&'))
            line = line.Replace("&quot;", "\"").Replace("&amp;", "&").Replace("&lt;", "<").Replace("&gt;", ">");
        line = $" {line} ";
        line = Symbols().Replace(line, " $1 ");
        line = PeriodCommaAfterNonDigit().Replace(line, "$1 $2 ");
        line = PeriodCommaBeforeNonDigit().Replace(line, " $1 $2");
        line = DashAfterDigit().Replace(line, "$1 $2 ");
        return string.Join(' ', line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}

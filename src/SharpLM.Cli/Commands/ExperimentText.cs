using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>The text an experiment trains on: a file given with <c>--data</c>, or else the .NET SDK's XML API documentation (the quickstart corpus, present on every machine with the SDK).</summary>
public static class ExperimentText
{
    /// <summary>Up to <paramref name="maxChars"/> characters of the file at <paramref name="path"/>, or of the SDK documentation when it is null.</summary>
    public static string Load(string? path, int maxChars, ulong seed)
    {
        if (path is not null)
        {
            if (!File.Exists(path)) throw new CliException($"--data: file '{path}' does not exist.");
            string text = TextCorpus.Read(path);
            return text.Length > maxChars ? text[..maxChars] : text;
        }
        var files = QuickstartCorpus.FindDocumentationFiles();
        if (files.Count == 0)
            throw new CliException("no .NET SDK reference-pack documentation found (looked under "
                + string.Join(", ", QuickstartCorpus.DotnetRoots().DefaultIfEmpty("no dotnet root found")) + "); pass a text file with --data FILE.");
        return QuickstartCorpus.Extract(files, maxChars, seed);
    }
}

namespace SharpLM.Formats;

/// <summary>
/// Replaces a set of files together, so that a crash (even <c>kill -9</c>) at any moment leaves
/// either the complete old set or the complete new set — never a mix, as a training checkpoint
/// needs (weights, optimizer moments and step must belong to the same step). The new files are
/// written into a staging folder inside the target folder; a marker listing them is written last;
/// then each is renamed into place. <see cref="Recover"/> finishes a commit whose marker exists
/// and throws away one whose marker does not.
/// </summary>
public static class FileSetCommit
{
    /// <summary>Name of the staging folder inside the target folder.</summary>
    public const string StagingFolder = ".commit-staging";

    /// <summary>Name of the marker inside the staging folder that says the staged set is complete.</summary>
    public const string MarkerFile = "COMMIT";

    /// <summary>
    /// Lets <paramref name="writeInto"/> write the new files into an empty staging folder (the
    /// path it is given), then moves them all into <paramref name="directory"/>, replacing files of
    /// the same names. If <paramref name="writeInto"/> throws, nothing in the folder changes.
    /// </summary>
    public static void Write(string directory, Action<string> writeInto)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(writeInto);
        Directory.CreateDirectory(directory);
        Recover(directory);
        string staging = Path.Combine(directory, StagingFolder);
        Directory.CreateDirectory(staging);
        try
        {
            writeInto(staging);
        }
        catch
        {
            TryDeleteFolder(staging);
            throw;
        }
        var names = Directory.GetFiles(staging).Select(Path.GetFileName).OfType<string>()
            .Where(n => !IsTemporary(n)).Order(StringComparer.Ordinal).ToArray();
        // The marker is the commit point: once it exists, the staged set is complete and will be moved in.
        AtomicFile.WriteAllText(Path.Combine(staging, MarkerFile), string.Join('\n', names));
        Apply(directory, staging, names);
    }

    /// <summary>
    /// Brings <paramref name="directory"/> to a consistent state after an interrupted
    /// <see cref="Write"/>: completes a committed set, discards an uncommitted one, and deletes
    /// temporary files left by interrupted atomic writes. Does nothing when there is nothing to do.
    /// </summary>
    public static void Recover(string directory)
    {
        if (!Directory.Exists(directory)) return;
        string staging = Path.Combine(directory, StagingFolder);
        if (Directory.Exists(staging))
        {
            string marker = Path.Combine(staging, MarkerFile);
            if (File.Exists(marker))
                Apply(directory, staging, File.ReadAllText(marker).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            else
                TryDeleteFolder(staging);
        }
        foreach (var leftover in Directory.GetFiles(directory).Where(p => IsTemporary(Path.GetFileName(p))))
            File.Delete(leftover);
    }

    private static void Apply(string directory, string staging, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (name.Contains('/') || name.Contains('\\') || name is "." or "..")
                throw new InvalidDataException($"{Path.Combine(staging, MarkerFile)}: '{name}' is not a plain file name.");
            string source = Path.Combine(staging, name);
            if (File.Exists(source)) File.Move(source, Path.Combine(directory, name), overwrite: true);
        }
        Directory.Delete(staging, recursive: true);
    }

    // AtomicFile's temporaries: NAME.tmp-PID-GUID.
    private static bool IsTemporary(string name) => name.Contains(".tmp-", StringComparison.Ordinal);

    private static void TryDeleteFolder(string path)
    {
        try { Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

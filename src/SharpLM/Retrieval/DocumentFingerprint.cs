namespace SharpLM.Retrieval;

/// <summary>
/// What an embedding index remembers of each source document to tell whether it is stale: the
/// relative path, the size in bytes and the last write time (UTC ticks). Any edit that changes
/// size or modification time makes the index out of date.
/// </summary>
/// <param name="Path">Path relative to the indexed folder, '/' separators.</param>
/// <param name="Size">File length in bytes.</param>
/// <param name="LastWriteUtcTicks">Last write time, UTC, in 100 ns ticks.</param>
public sealed record DocumentFingerprint(string Path, long Size, long LastWriteUtcTicks)
{
    /// <summary>Fingerprints of the <c>.txt</c>/<c>.md</c> files under <paramref name="folder"/>, ordinal path order.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IReadOnlyList<DocumentFingerprint> OfFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"document folder '{folder}' does not exist.");
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => DocumentChunker.Extensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
            .Select(f =>
            {
                var info = new FileInfo(f);
                string relative = System.IO.Path.GetRelativePath(folder, f).Replace('\\', '/');
                return new DocumentFingerprint(relative, info.Length, info.LastWriteTimeUtc.Ticks);
            })
            .OrderBy(d => d.Path, StringComparer.Ordinal)
            .ToList();
    }
}

namespace SharpLM.Retrieval;

/// <summary>
/// A passage of a document for retrieval-augmented generation: a window of whole words cut from
/// one file. <see cref="Start"/> and <see cref="Length"/> are UTF-16 character offsets into the
/// file's text, so <c>text.Substring(Start, Length) == Text</c>.
/// </summary>
/// <param name="Source">The document's path relative to the indexed folder, with '/' separators.</param>
/// <param name="Start">Offset of the chunk's first character in the document.</param>
/// <param name="Length">Characters from the first word's start to the last word's end.</param>
/// <param name="Text">The chunk's text (the document's characters, whitespace kept).</param>
public sealed record TextChunk(string Source, int Start, int Length, string Text);

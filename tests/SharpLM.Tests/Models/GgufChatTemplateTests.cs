using SharpLM.Chat;
using SharpLM.Cli.Commands;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Models;

/// <summary>`chat`/`serve` on a .gguf model use the file's own <c>tokenizer.chat_template</c> with the file's bos/eos token texts.</summary>
public sealed class GgufChatTemplateTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sharplm-gguf-chat-" + Guid.NewGuid().ToString("N"));

    public GgufChatTemplateTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A small model with a SentencePiece vocabulary whose bos/eos pieces are spelled differently from the templates' defaults.
    private string WriteModel(string name, string? chatTemplate)
    {
        var pieces = new List<string> { "<unk>", "<BOS>", "<EOS>" };
        var types = new List<SentencePieceType> { SentencePieceType.Unknown, SentencePieceType.Control, SentencePieceType.Control };
        for (int b = 0; b < 256; b++) { pieces.Add($"<0x{b:X2}>"); types.Add(SentencePieceType.Byte); }
        while (pieces.Count < 300) { pieces.Add($"▁w{pieces.Count}"); types.Add(SentencePieceType.Normal); }
        var tokenizer = new SentencePieceTokenizer(pieces, pieces.Select((_, i) => -(float)i).ToArray(), types, SentencePieceModelKind.Bpe, null, null, 1, 2, -1);
        var config = GptGgufTests.Llama() with { VocabSize = pieces.Count };
        string path = Path.Combine(_dir, name + ".gguf");
        GptGguf.Save(new Gpt(config, seed: 3), path, global::SharpLM.Kernels.QuantType.Q8_0, w => GgufTokenizer.Write(w, tokenizer, chatTemplate));
        return path;
    }

    [Fact]
    public void A_gguf_files_llama2_template_is_recognised_with_the_files_own_bos_and_eos_texts()
    {
        string path = WriteModel("llama2", ChatTemplateSources.Llama2);
        var template = ChatTemplates.ForModelOrNull(path);
        Assert.NotNull(template);
        Assert.Equal("llama2", template.Name);
        Assert.Equal("<BOS>", template.BosToken);
        Assert.Equal("<EOS>", template.EosToken);
        string rendered = template.Render([new ChatMessage(ChatMessage.User, "hi"), new ChatMessage(ChatMessage.Assistant, "yo")], addGenerationPrompt: false);
        Assert.StartsWith("<BOS>", rendered);
        Assert.EndsWith("<EOS>", rendered.TrimEnd());
        // The chat command's --template auto takes it from the file; serve's auto (ChatTemplates.ForModel) too.
        Assert.Equal("llama2", ChatCommand.ResolveTemplate("auto", path)!.Name);
        Assert.Equal("llama2", ChatTemplates.ForModel(path).Name);
    }

    [Fact]
    public void A_gguf_file_with_chatml_source_gives_chatml_and_one_without_or_with_an_unknown_template_gives_none()
    {
        Assert.Equal("chatml", ChatTemplates.ForModelOrNull(WriteModel("chatml", ChatTemplateSources.ChatMl))!.Name);
        Assert.Null(ChatTemplates.ForModelOrNull(WriteModel("none", null)));
        Assert.Null(ChatTemplates.ForModelOrNull(WriteModel("unknown", "{% for m in messages %}{{ m.content | upper }}{% endfor %}")));
        Assert.Null(ChatCommand.ResolveTemplate("auto", WriteModel("none2", null)));
        Assert.Equal("chatml", ChatTemplates.ForModel(WriteModel("none3", null)).Name); // serve falls back to ChatML
    }

    [Fact]
    public void A_broken_gguf_file_is_refused_naming_the_file()
    {
        string path = Path.Combine(_dir, "broken.gguf");
        File.WriteAllBytes(path, "GGUF\u0003\0\0\0garbage-that-is-too-short"u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => ChatTemplates.ForModelOrNull(path));
        Assert.Contains("broken.gguf", e.Message);
    }
}

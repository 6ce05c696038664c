using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SharpLM.Chat;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tokenizers;
using SharpLM.Training;
using SharpLM.Training.Data;

namespace SharpLM.Fuzz;

/// <summary>
/// Writes the seed corpora: small, valid files of every format, made by SharpLM's own writers
/// (plus a few hand-built variants the writers never produce, e.g. bfloat16 tensors), so the
/// fuzzer starts from inputs that reach deep into each parser. Output: DIR/HARNESS/NAME.
/// </summary>
public static class Seeds
{
    private const string Text = "The quick brown fox jumps over the lazy dog. It's 2026: héllo wörld, naïve café! " +
        "Training a tiny tokenizer needs some repeated words: the the the fox fox dog dog lazy lazy quick quick.\n";

    /// <summary>Writes every harness's seeds under <paramref name="root"/>.</summary>
    public static void WriteAll(string root)
    {
        var texts = Enumerable.Repeat(Text, 4).ToArray();
        var bpe = BpeTrainer.Train(texts, 300, ["<|endoftext|>"]);
        var wordPiece = WordPieceTrainer.Train(texts, 120);
        var chars = CharTokenizer.Train(texts, ["<|endoftext|>"]);
        var scratch = Directory.CreateTempSubdirectory("sharplm-seeds").FullName;

        string Dir(string harness) => Directory.CreateDirectory(Path.Combine(root, harness)).FullName;
        byte[] Made(Action<string> write)
        {
            var path = Path.Combine(scratch, "file");
            write(path);
            var bytes = File.ReadAllBytes(path);
            File.Delete(path);
            return bytes;
        }

        var small = Made(p => Safetensors.Write(p, [("wte", Tensor.FromArray([1f, 2, 3, 4, 5, 6], 2, 3)), ("ln.bias", Tensor.FromArray([0.5f], 1))],
            new Dictionary<string, string> { ["format"] = "pt" }));
        foreach (var h in new[] { "safetensors", "safetensors-header" })
        {
            File.WriteAllBytes(Path.Combine(Dir(h), "f32.safetensors"), small);
            File.WriteAllBytes(Path.Combine(Dir(h), "mixed-dtypes.safetensors"), MixedDtypes());
        }

        File.WriteAllBytes(Path.Combine(Dir("tokenizer-json"), "bpe.json"), Made(p => TokenizerFiles.Save(bpe, p)));
        File.WriteAllBytes(Path.Combine(Dir("tokenizer-json"), "wordpiece.json"), Made(p => TokenizerFiles.Save(wordPiece, p)));
        File.WriteAllBytes(Path.Combine(Dir("tokenizer-json"), "char.json"), Made(p => TokenizerFiles.Save(chars, p)));

        var pair = Path.Combine(scratch, "pair");
        Gpt2VocabFiles.Save(bpe, pair);
        File.WriteAllBytes(Path.Combine(Dir("gpt2-vocab"), "trained.pair"),
            [.. File.ReadAllBytes(Path.Combine(pair, "vocab.json")), 0, .. File.ReadAllBytes(Path.Combine(pair, "merges.txt"))]);
        File.WriteAllText(Path.Combine(Dir("special-tokens"), "gpt2.json"), "{\"<|endoftext|>\": 50256}");

        File.WriteAllBytes(Path.Combine(Dir("tiktoken"), "trained.tiktoken"), Made(p => TiktokenRankFile.Save(bpe, p)));

        var header = new LlmcHeader(LlmcCheckpoint.VersionFp32, MaxT: 4, V: 6, L: 1, NH: 2, C: 4, Vp: 8);
        var rng = new Random(1);
        var tensors = header.Layout().Select(t => Tensor.FromArray(
            Enumerable.Range(0, t.Shape.Aggregate(1, (a, d) => a * d)).Select(_ => (float)rng.NextDouble()).ToArray(), t.Shape)).ToList();
        var fp32 = Made(p => LlmcCheckpoint.Write(p, header, tensors));
        File.WriteAllBytes(Path.Combine(Dir("llmc-checkpoint"), "fp32.bin"), fp32);
        File.WriteAllBytes(Path.Combine(Dir("llmc-checkpoint"), "bf16.bin"), AsBf16(fp32));

        File.WriteAllBytes(Path.Combine(Dir("llmc-tokens"), "tokens.bin"), Made(p => LlmcTokens.Write(p, bpe.Encode(Text))));

        var config = new HuggingFaceGpt2Config { VocabSize = 300, Positions = 32, Width = 16, Layers = 2, Heads = 2, BosTokenId = 299, EosTokenId = 299 };
        File.WriteAllBytes(Path.Combine(Dir("gpt2-config"), "config.json"), Made(config.Write));

        var state = new TrainerState
        {
            Step = 7, BatchRng = [1, 2, 3, 4, 5, 6], DropoutRng = [6, 5, 4, 3, 2, 1], ElapsedSeconds = 1.5,
            Options = new TrainingOptions { MaxSteps = 10, WarmupSteps = 2, BatchSize = 2, BlockSize = 8 },
            DataTokens = 1234, DataHash = 0xfeedface, ValFraction = 0.1, DataSource = "seed.txt",
        };
        File.WriteAllBytes(Path.Combine(Dir("trainer-state"), "trainer_state.json"), Made(state.Write));

        WriteMergedFormats(root, texts, wordPiece, Made);
        WriteRound10Formats(root, Made);

        Directory.Delete(scratch, recursive: true);
        foreach (var h in Harnesses.All)
            if (!Directory.Exists(Path.Combine(root, h.Name)) || Directory.GetFiles(Path.Combine(root, h.Name)).Length == 0)
                Console.Error.WriteLine($"warning: no seeds for harness '{h.Name}'");
    }

    /// <summary>Seeds for the formats that landed with the LLaMA, SentencePiece, GGUF, BERT and T5 work.</summary>
    private static void WriteMergedFormats(string root, string[] texts, WordPieceTokenizer wordPiece, Func<Action<string>, byte[]> made)
    {
        string Dir(string harness) => Directory.CreateDirectory(Path.Combine(root, harness)).FullName;

        var llama = new HuggingFaceLlamaConfig { VocabSize = 64, HiddenSize = 16, Layers = 2, Heads = 4, KvHeads = 2, IntermediateSize = 40, MaxPositions = 32 };
        File.WriteAllBytes(Path.Combine(Dir("llama-config"), "config.json"), made(llama.Write));

        var gguf = new GgufWriter()
            .Add("general.architecture", GgufValue.String("llama"))
            .Add("llama.block_count", GgufValue.UInt32(1))
            .Add("tokenizer.ggml.tokens", GgufValue.Array(GgufValueType.String, new[] { "<s>", "\u2581h\u00e9", "" }))
            .Add("tokenizer.ggml.scores", GgufValue.Array(GgufValueType.Float32, new[] { 0f, -1.5f, 2f }))
            .Add("f64", GgufValue.Scalar(GgufValueType.Float64, Math.PI))
            .AddTensor("f32", SharpLM.Kernels.QuantType.F32, [4, 2], new byte[32])
            .AddTensor("f16", SharpLM.Kernels.QuantType.F16, [4], new byte[] { 0, 0x3c, 0, 0xc0, 0, 0, 0, 0x40 })
            .AddTensor("q8", SharpLM.Kernels.QuantType.Q8_0, [32], Enumerable.Range(0, 34).Select(i => (byte)(i == 1 ? 0x3c : i)).ToArray());
        File.WriteAllBytes(Path.Combine(Dir("gguf"), "small.gguf"), made(gguf.Write));

        var header = new Llama2cHeader(Dim: 8, HiddenDim: 16, Layers: 1, Heads: 2, KvHeads: 1, VocabSize: 12, SeqLen: 8, SharedClassifier: false);
        var weights = new Llama2cWeights(header);
        float v = 0;
        Tensor[] all = [weights.TokenEmbedding, .. weights.AttentionNorm, .. weights.Wq, .. weights.Wk, .. weights.Wv, .. weights.Wo,
            .. weights.FfnNorm, .. weights.W1, .. weights.W2, .. weights.W3, weights.FinalNorm, .. (weights.Classifier is { } c ? [c] : Array.Empty<Tensor>())];
        foreach (var t in all)
            foreach (ref float x in t.Span) x = v += 0.01f;
        File.WriteAllBytes(Path.Combine(Dir("llama2c-checkpoint"), "v0.bin"), made(p => Llama2cCheckpoint.Write(p, weights, 0)));
        File.WriteAllBytes(Path.Combine(Dir("llama2c-checkpoint"), "v1.bin"), made(p => Llama2cCheckpoint.Write(p, weights, 1)));

        var sentencePiece = SentencePieceBpeTrainer.Train(texts, 300);
        File.WriteAllBytes(Path.Combine(Dir("sentencepiece-model"), "bpe.model"), made(sentencePiece.SaveModel));
        File.WriteAllBytes(Path.Combine(Dir("sentencepiece-model"), "unigram.model"), made(UnigramTrainer.Train(texts, 60, new SentencePieceTrainerOptions { ByteFallback = false }).SaveModel));
        File.WriteAllBytes(Path.Combine(Dir("tokenizer-json"), "sentencepiece-bpe.json"), made(p => TokenizerFiles.Save(sentencePiece, p)));
        File.WriteAllBytes(Path.Combine(Dir("llama2c-tokenizer"), "tokenizer.bin"), made(Llama2cTokenizer.FromSentencePiece(sentencePiece).Save));

        File.WriteAllBytes(Path.Combine(Dir("wordpiece-vocab"), "vocab.txt"), made(p => WordPieceVocabFile.Write(wordPiece, p)));

        File.WriteAllBytes(Path.Combine(Dir("gettext-mo"), "messages.mo"), GettextMo.Write(
        [
            new GettextMessage(null, "", null, ["Content-Type: text/plain; charset=UTF-8\n"]),
            new GettextMessage(null, "file", "files", ["Datei", "Dateien"]),
            new GettextMessage("menu", "Open", null, ["\u00d6ffnen"]),
        ]));
        File.WriteAllBytes(Path.Combine(Dir("gettext-mo"), "big-endian.mo"), GettextMo.Write([new GettextMessage(null, "yes", null, ["ja"])], littleEndian: false));

        File.WriteAllBytes(Path.Combine(Dir("conll"), "train.conll"), made(p => ConllFile.Write(p,
            [new TaggedSentence(["The", "string", "class"], ["O", "B-TYPE", "O"]), new TaggedSentence(["List", "of", "int"], ["B-TYPE", "O", "B-TYPE"])])));
        File.WriteAllBytes(Path.Combine(Dir("labeled-jsonl"), "train.jsonl"), made(p => LabeledTextFile.WriteJsonl(p,
            [new LabeledText("a fine film", null, "pos"), new LabeledText("is it?", "no \"quote\"", "neg")])));
        File.WriteAllText(Path.Combine(Dir("bert-config"), "config.json"), """
            {"architectures": ["BertForTokenClassification"], "model_type": "bert", "vocab_size": 120, "hidden_size": 16,
             "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 64,
             "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1,
             "attention_probs_dropout_prob": 0.1, "position_embedding_type": "absolute",
             "id2label": {"0": "O", "1": "B-TYPE"}, "label2id": {"O": 0, "B-TYPE": 1}}
            """);
        foreach (var family in new[] { EncoderDecoderFamily.T5, EncoderDecoderFamily.Bart })
            File.WriteAllText(Path.Combine(Dir("t5-config"), $"{family.ToString().ToLowerInvariant()}.json"),
                SharpLM.Models.EncoderDecoderHuggingFace.ToJson(new EncoderDecoderConfig { Family = family }).ToJsonString());
        File.WriteAllText(Path.Combine(Dir("text-pairs-jsonl"), "pairs.jsonl"), "{\"source\": \"Open file\", \"target\": \"Datei \\u00f6ffnen\"}\n{\"input\": \"Save\", \"output\": \"Speichern\"}\n");
        File.WriteAllBytes(Path.Combine(Dir("text-pairs"), "pairs.tsv"), made(p => TextPairFile.WriteTsv(p,
            [new TextPair("Open file", "Datei \u00f6ffnen", "de"), new TextPair("Save", "Speichern")])));
    }

    /// <summary>Seeds for the readers added in round 10: the shard index, metrics.jsonl, chat request bodies, tokenizer_config.json.</summary>
    private static void WriteRound10Formats(string root, Func<Action<string>, byte[]> made)
    {
        string Dir(string harness) => Directory.CreateDirectory(Path.Combine(root, harness)).FullName;

        // The index as Hugging Face's save_pretrained writes it (indent 2, metadata.total_size, sorted weight_map),
        // naming the two fixture shards the harness puts beside it.
        long total = Harnesses.Shard(0).Length + Harnesses.Shard(1).Length;
        File.WriteAllText(Path.Combine(Dir("safetensors-index"), "two-shards.json"),
            $"{{\n  \"metadata\": {{\n    \"total_size\": {total}\n  }},\n  \"weight_map\": {{\n    \"lm_head\": \"{Harnesses.ShardNames[1]}\",\n" +
            $"    \"ln.bias\": \"{Harnesses.ShardNames[0]}\",\n    \"wte\": \"{Harnesses.ShardNames[0]}\"\n  }}\n}}\n");

        File.WriteAllBytes(Path.Combine(Dir("metrics-jsonl"), "run.jsonl"), made(p =>
        {
            var log = new MetricsLog(p);
            log.Reset();
            log.Append(new MetricsRecord { Step = 0, ValLoss = 7.6495, ValMetrics = new Dictionary<string, double> { ["mlm_accuracy"] = 0.01 } });
            for (int step = 1; step <= 4; step++)
                log.Append(new MetricsRecord { Step = step, TrainLoss = 7.65 - 0.08 * step, LearningRate = 1.3e-4 * step, GradNorm = 1.8 / step, TokensPerSecond = 1965.8 + step, Gflops = 13.93, ElapsedSeconds = 0.9 * step });
            log.Append(new MetricsRecord { Step = 5, TrainLoss = double.NaN, ValLoss = 7.1, ElapsedSeconds = 4.5 });
        }));

        var chat = Dir("chat-request");
        File.WriteAllText(Path.Combine(chat, "simple.json"), """{"model": "sharplm", "messages": [{"role": "user", "content": "Hello!"}]}""");
        File.WriteAllText(Path.Combine(chat, "sampling.json"), """
            {"model": "gpt2", "messages": [{"role": "developer", "content": "You are terse."}, {"role": "user", "content": "Name a prime."},
             {"role": "assistant", "content": "7"}, {"role": "user", "content": "Another?"}],
             "temperature": 0.7, "top_p": 0.9, "max_tokens": 32, "max_completion_tokens": 16, "n": 1, "seed": -42,
             "presence_penalty": 0.5, "frequency_penalty": -0.5, "top_k": 40, "min_p": 0.05, "repetition_penalty": 1.1, "stop": ["\n\n", "User:"]}
            """);
        File.WriteAllText(Path.Combine(chat, "stream-parts.json"), """
            {"model": "m", "stream": true, "stream_options": {"include_usage": true}, "stop": "###",
             "messages": [{"role": "system", "content": null}, {"role": "user", "content": [{"type": "text", "text": "h\u00e9llo "}, {"type": "text", "text": "w\u00f6rld"}]}]}
            """);

        var completion = Dir("completion-request");
        File.WriteAllText(Path.Combine(completion, "text.json"), """{"model": "sharplm", "prompt": "Once upon a time", "max_tokens": 16}""");
        File.WriteAllText(Path.Combine(completion, "arrays.json"), """
            {"model": "m", "prompt": ["a", "b\u00e9"], "temperature": 0, "top_p": 1, "stop": ["\n"], "logprobs": 3, "seed": 7, "echo": false, "best_of": 1}
            """);
        File.WriteAllText(Path.Combine(completion, "token-ids.json"), """
            {"model": "m", "prompt": [[1, 2, 3], [4]], "stream": true, "stream_options": {"include_usage": true}, "top_k": 5, "min_p": 0.1, "presence_penalty": 0.2}
            """);

        // tokenizer_config.json as Hugging Face model repositories ship it: Llama 2 (AddedToken objects), Llama 3
        // (string tokens), a ChatML model, a list-form chat_template, and a BERT's do_lower_case.
        var config = Dir("tokenizer-config");
        string Token(string content) => $"{{\"__type\": \"AddedToken\", \"content\": \"{content}\", \"lstrip\": false, \"normalized\": false, \"rstrip\": false, \"single_word\": false}}";
        File.WriteAllText(Path.Combine(config, "llama2.json"), $"{{\"add_bos_token\": true, \"add_eos_token\": false, \"bos_token\": {Token("<s>")}, \"eos_token\": {Token("</s>")}, " +
            $"\"chat_template\": {Json(ChatTemplateSources.Llama2)}, \"clean_up_tokenization_spaces\": false, \"legacy\": false, " +
            "\"model_max_length\": 1000000000000000019884624838656, \"pad_token\": null, \"sp_model_kwargs\": {}, \"tokenizer_class\": \"LlamaTokenizer\", \"unk_token\": " + Token("<unk>") + "}");
        File.WriteAllText(Path.Combine(config, "llama3.json"), $"{{\"bos_token\": \"<|begin_of_text|>\", \"chat_template\": {Json(ChatTemplateSources.Llama3)}, " +
            "\"clean_up_tokenization_spaces\": true, \"eos_token\": \"<|eot_id|>\", \"model_input_names\": [\"input_ids\", \"attention_mask\"], \"model_max_length\": 1000000000000000019884624838656, \"tokenizer_class\": \"PreTrainedTokenizerFast\"}");
        File.WriteAllText(Path.Combine(config, "chatml.json"), $"{{\"added_tokens_decoder\": {{\"151643\": {{\"content\": \"<|endoftext|>\", \"special\": true}}}}, \"bos_token\": null, " +
            $"\"chat_template\": {Json(ChatTemplateSources.ChatMlWithPrelude)}, \"eos_token\": \"<|im_end|>\", \"errors\": \"replace\", \"pad_token\": \"<|endoftext|>\", \"split_special_tokens\": false, \"tokenizer_class\": \"Qwen2Tokenizer\"}}");
        File.WriteAllText(Path.Combine(config, "template-list.json"), $"{{\"chat_template\": [{{\"name\": \"tool_use\", \"template\": \"{{{{ tools }}}}\"}}, {{\"name\": \"default\", \"template\": {Json(ChatTemplateSources.Alpaca)}}}], \"eos_token\": \"</s>\"}}");
        File.WriteAllText(Path.Combine(Dir("instruction-jsonl"), "chat-and-alpaca.jsonl"), string.Join("\n",
            """{"messages": [{"role": "system", "content": "You answer questions about .NET."}, {"role": "user", "content": "What does List<T>.Add do?"}, {"role": "assistant", "content": "It appends an item to the end of the list."}]}""",
            """{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Caf\u00e9?"}, {"role": "assistant", "content": "\u2615"}]}""",
            """{"instruction": "Give three tips for staying healthy.", "input": "", "output": "1. Eat a balanced diet.\n2. Exercise regularly.\n3. Get enough sleep."}""",
            """{"instruction": "Translate to German.", "input": "Open file", "output": "Datei \u00f6ffnen", "system": "Be exact."}""") + "\n");
        // adapter_config.json in the layout PEFT's save_pretrained writes (every key it emits), for GPT-2 and LLaMA targets.
        var peft = Dir("peft-adapter-config");
        const string peftCommon = """ "alpha_pattern": {}, "auto_mapping": null, "bias": "none", "fan_in_fan_out": true, "inference_mode": true, "init_lora_weights": true, "layer_replication": null, "layers_pattern": null, "layers_to_transform": null, "loftq_config": {}, "megatron_config": null, "megatron_core": "megatron.core", "peft_type": "LORA", "rank_pattern": {}, "revision": null, "task_type": "CAUSAL_LM", "use_dora": false, "use_rslora": false""";
        File.WriteAllText(Path.Combine(peft, "gpt2.json"), "{" + peftCommon + """, "base_model_name_or_path": "gpt2", "lora_alpha": 32, "lora_dropout": 0.05, "modules_to_save": null, "r": 16, "target_modules": ["c_attn", "c_proj"]}""");
        File.WriteAllText(Path.Combine(peft, "llama-regex.json"), "{" + peftCommon + """, "base_model_name_or_path": "meta-llama/Llama-3.2-1B", "lora_alpha": 16, "lora_dropout": 0.0, "modules_to_save": ["lm_head"], "r": 8, "target_modules": ".*\\.(q_proj|v_proj)"}""");
        File.WriteAllText(Path.Combine(peft, "all-linear.json"), "{" + peftCommon + """, "base_model_name_or_path": null, "lora_alpha": 8, "lora_dropout": 0.1, "r": 4, "target_modules": "all-linear"}""");
        File.WriteAllText(Path.Combine(config, "bert.json"), "{\"do_lower_case\": true, \"model_max_length\": 512, \"cls_token\": \"[CLS]\", \"mask_token\": \"[MASK]\", \"pad_token\": \"[PAD]\", \"sep_token\": \"[SEP]\", \"strip_accents\": null, \"tokenize_chinese_chars\": true, \"tokenizer_class\": \"BertTokenizer\", \"unk_token\": \"[UNK]\"}");
    }

    // A JSON string as Hugging Face writes it (quotes, <, >, + and non-ASCII unescaped).
    private static string Json(string text) => JsonSerializer.Serialize(text, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>A hand-built safetensors file with F16, BF16, I64 and U8 tensors (the writer only writes F32).</summary>
    private static byte[] MixedDtypes()
    {
        const string json = "{\"__metadata__\":{\"note\":\"seed\"},\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}," +
            "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[4,8]},\"c\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}," +
            "\"d\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[16,19]}}";
        var header = Encoding.UTF8.GetBytes(json.PadRight((json.Length + 7) / 8 * 8));
        var file = new byte[8 + header.Length + 19];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        byte[] data = [0x00, 0x3c, 0x00, 0xc0, 0x80, 0x3f, 0x00, 0x40, 7, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3];
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>The same llm.c checkpoint stored as bfloat16 (version 5): the top half of each float32.</summary>
    private static byte[] AsBf16(byte[] fp32)
    {
        int header = LlmcCheckpoint.HeaderBytes, count = (fp32.Length - header) / 4;
        var bf16 = new byte[header + 2 * count];
        fp32.AsSpan(0, header).CopyTo(bf16);
        BinaryPrimitives.WriteInt32LittleEndian(bf16.AsSpan(4), LlmcCheckpoint.VersionBf16);
        for (int i = 0; i < count; i++)
        {
            bf16[header + 2 * i] = fp32[header + 4 * i + 2];
            bf16[header + 2 * i + 1] = fp32[header + 4 * i + 3];
        }
        return bf16;
    }
}

namespace SharpLM.Models;

/// <summary>
/// Where one GGUF tensor lives in a <see cref="Gpt"/>: the parameter, which of its rows (the fused
/// q/k/v projection holds three GGUF tensors; vocabulary matrices drop their padding rows), and
/// whether the rows are in Meta's interleaved rotary order in the file (GGUF <c>llama</c> q and k,
/// which llama.cpp's converter permutes from Hugging Face's rotate-half order).
/// </summary>
/// <param name="GgufName">The tensor's name in the file (<c>blk.0.attn_q.weight</c>).</param>
/// <param name="Parameter">Our parameter's name (<c>h.0.attn.c_attn.weight</c>).</param>
/// <param name="RowStart">First parameter row the tensor fills (for a vector: its first element).</param>
/// <param name="Rows">Rows it fills (1 for a vector).</param>
/// <param name="Columns">Elements per row.</param>
/// <param name="InterleavedHeads">Heads whose rows are interleaved in the file (0 when the order is the same).</param>
/// <param name="IsVector">True for 1-D tensors (norm weights, biases).</param>
public sealed record GgufTensorPlan(string GgufName, string Parameter, int RowStart, int Rows, int Columns, int InterleavedHeads, bool IsVector)
{
    /// <summary>Index of the first parameter element the tensor fills (vectors keep their offset in <see cref="RowStart"/>).</summary>
    public int ElementStart => IsVector ? RowStart : RowStart * Columns;

    /// <summary>ggml dimensions (row length first).</summary>
    public long[] Dimensions => IsVector ? [Columns] : [Columns, Rows];

    /// <summary>Every tensor of <paramref name="config"/> written as <paramref name="arch"/>, in llama.cpp's order.</summary>
    public static List<GgufTensorPlan> For(GptConfig config, string arch)
    {
        int c = config.Width, v = config.VocabSize, d = config.HeadSize, h = config.Heads, hkv = config.KvHeadCount, f = config.MlpWidth;
        bool llama = arch != "gpt2";
        int rotary = arch == "llama" ? 1 : 0; // qwen2 files keep rotate-half order
        var plan = new List<GgufTensorPlan>();
        void Matrix(string gguf, string parameter, int rows, int columns, int rowStart = 0, int heads = 0) =>
            plan.Add(new GgufTensorPlan(gguf, parameter, rowStart, rows, columns, heads, false));
        void Vector(string gguf, string parameter, int length, int offset = 0) =>
            plan.Add(new GgufTensorPlan(gguf, parameter, offset, 1, length, 0, true));
        Matrix("token_embd.weight", "wte.weight", v, c);
        if (!llama) Matrix("position_embd.weight", "wpe.weight", config.BlockSize, c);
        for (int l = 0; l < config.Layers; l++)
        {
            string b = $"blk.{l}.", p = $"h.{l}.";
            Vector(b + "attn_norm.weight", p + "ln_1.weight", c);
            if (!llama) Vector(b + "attn_norm.bias", p + "ln_1.bias", c);
            if (llama)
            {
                Matrix(b + "attn_q.weight", p + "attn.c_attn.weight", h * d, c, 0, rotary * h);
                Matrix(b + "attn_k.weight", p + "attn.c_attn.weight", hkv * d, c, h * d, rotary * hkv);
                Matrix(b + "attn_v.weight", p + "attn.c_attn.weight", hkv * d, c, (h + hkv) * d);
                if (config.HasQkvBias)
                {
                    Vector(b + "attn_q.bias", p + "attn.c_attn.bias", h * d, 0);
                    Vector(b + "attn_k.bias", p + "attn.c_attn.bias", hkv * d, h * d);
                    Vector(b + "attn_v.bias", p + "attn.c_attn.bias", hkv * d, (h + hkv) * d);
                }
            }
            else
            {
                Matrix(b + "attn_qkv.weight", p + "attn.c_attn.weight", 3 * c, c);
                Vector(b + "attn_qkv.bias", p + "attn.c_attn.bias", 3 * c);
            }
            Matrix(b + "attn_output.weight", p + "attn.c_proj.weight", c, h * d);
            if (!llama) Vector(b + "attn_output.bias", p + "attn.c_proj.bias", c);
            Vector(b + "ffn_norm.weight", p + "ln_2.weight", c);
            if (!llama) Vector(b + "ffn_norm.bias", p + "ln_2.bias", c);
            if (llama) Matrix(b + "ffn_gate.weight", p + "mlp.gate.weight", f, c);
            Matrix(b + "ffn_up.weight", p + "mlp.c_fc.weight", f, c);
            if (!llama) Vector(b + "ffn_up.bias", p + "mlp.c_fc.bias", f);
            Matrix(b + "ffn_down.weight", p + "mlp.c_proj.weight", c, f);
            if (!llama) Vector(b + "ffn_down.bias", p + "mlp.c_proj.bias", c);
        }
        Vector("output_norm.weight", "ln_f.weight", c);
        if (!llama) Vector("output_norm.bias", "ln_f.bias", c);
        // llama.cpp's gpt2 loader requires output.weight, so a tied GPT-2 stores the embedding twice (recognised as tied on load).
        if (!config.TiedEmbeddings) Matrix("output.weight", "lm_head.weight", v, c);
        else if (!llama) Matrix("output.weight", "wte.weight", v, c);
        return plan;
    }

    /// <summary>
    /// Reorders the rows of each head between the file's interleaved rotary order and ours:
    /// file row 2i + j of a head is our row j·D/2 + i (j ∈ {0, 1}). <paramref name="toFile"/> goes ours → file.
    /// </summary>
    public static int[] RowOrder(int heads, int headSize, bool toFile)
    {
        var order = new int[heads * headSize];
        int half = headSize / 2;
        for (int hd = 0; hd < heads; hd++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++)
                {
                    int file = hd * headSize + 2 * i + j, ours = hd * headSize + j * half + i;
                    if (toFile) order[file] = ours; else order[ours] = file;
                }
        return order; // destination row r takes source row order[r]
    }
}

namespace SharpLM.Chat;

/// <summary>
/// The published Jinja sources of the known chat templates, as model folders store them in
/// <c>tokenizer_config.json</c> (<c>chat_template</c>) or GGUF files in <c>tokenizer.chat_template</c>.
/// <see cref="ChatTemplates.Recognize"/> compares a model's template with these (ignoring
/// whitespace outside string literals' meaning: runs of blanks are collapsed).
/// </summary>
public static class ChatTemplateSources
{
    /// <summary>ChatML as Hugging Face documents it (and as Hermes/Qwen-style models ship it).</summary>
    public const string ChatMl = """{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}""";

    /// <summary>ChatML with the <c>add_generation_prompt is defined</c> prelude some models ship.</summary>
    public const string ChatMlWithPrelude = """{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}""";

    /// <summary>Llama 2 chat, from <c>meta-llama/Llama-2-7b-chat-hf</c>'s tokenizer_config.json.</summary>
    public const string Llama2 = """{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}""";

    /// <summary>Llama 3 instruct, from <c>meta-llama/Meta-Llama-3-8B-Instruct</c>'s tokenizer_config.json.</summary>
    public const string Llama3 = """{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}""";

    /// <summary>Alpaca multi-turn as Unsloth publishes it, with Stanford Alpaca's preamble in place of its <c>{system_message}</c> placeholder.</summary>
    public const string Alpaca = """{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] + '\n\n' }}{% set loop_messages = messages[1:] %}{% else %}{{ 'Below is an instruction that describes a task. Write a response that appropriately completes the request.' + '\n\n' }}{% set loop_messages = messages %}{% endif %}{% for message in loop_messages %}{% if message['role'] == 'user' %}{{ '### Instruction:\n' + message['content'] + '\n\n' }}{% elif message['role'] == 'assistant' %}{{ '### Response:\n' + message['content'] + eos_token + '\n\n' }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '### Response:\n' }}{% endif %}""";
}

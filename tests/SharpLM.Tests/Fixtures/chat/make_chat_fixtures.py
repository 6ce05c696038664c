# Makes chat_templates.json: reference renderings of the published chat templates.
# transformers is not installed on this machine, so this renders the Jinja sources with jinja2
# directly, in the environment transformers' apply_chat_template builds
# (ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True), raise_exception global,
# messages / add_generation_prompt / bos_token / eos_token as variables).
# Run: python3 make_chat_fixtures.py > chat_templates.json   (jinja2 3.1.x)
import json, sys
import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

SOURCES = {
 "chatml": r"""{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}""",
 "llama2": r"""{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}""",
 "llama3": r"""{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}""",
 "alpaca": r"""{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] + '\n\n' }}{% set loop_messages = messages[1:] %}{% else %}{{ 'Below is an instruction that describes a task. Write a response that appropriately completes the request.' + '\n\n' }}{% set loop_messages = messages %}{% endif %}{% for message in loop_messages %}{% if message['role'] == 'user' %}{{ '### Instruction:\n' + message['content'] + '\n\n' }}{% elif message['role'] == 'assistant' %}{{ '### Response:\n' + message['content'] + eos_token + '\n\n' }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '### Response:\n' }}{% endif %}""",
}
TOKENS = {"chatml": ("", "<|im_end|>"), "llama2": ("<s>", "</s>"), "llama3": ("<|begin_of_text|>", "<|eot_id|>"), "alpaca": ("", "</s>")}

def m(role, content): return {"role": role, "content": content}
CONVERSATIONS = [
 [m("user", "What does System.String.IsNullOrEmpty do?")],
 [m("system", "You answer questions about .NET."), m("user", "What is List<T>?"), m("assistant", "A strongly typed list of objects.")],
 [m("user", "  Hello!  "), m("assistant", " Hi, how can I help?\n"), m("user", "Explain Span<T>\nbriefly."), m("assistant", "A view over contiguous memory.")],
 [m("system", "Be terse."), m("user", "2+2?"), m("assistant", "4"), m("user", "and 3+3?")],
 [m("user", "Ünïcödé — 日本語 \"quotes\" and {braces} {{x}}"), m("assistant", "ok")],
]

def raise_exception(msg): raise jinja2.exceptions.TemplateError(msg)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
env.globals["raise_exception"] = raise_exception
cases = []
for name, src in SOURCES.items():
    tpl = env.from_string(src)
    bos, eos = TOKENS[name]
    for conv in CONVERSATIONS:
        for agp in (False, True):
            text = tpl.render(messages=conv, add_generation_prompt=agp, bos_token=bos, eos_token=eos)
            cases.append({"template": name, "bos_token": bos, "eos_token": eos, "add_generation_prompt": agp, "messages": conv, "rendered": text})
json.dump({"made_by": "make_chat_fixtures.py with jinja2 " + jinja2.__version__ + " in transformers' apply_chat_template environment (transformers itself not installed here)",
           "sources": SOURCES, "cases": cases}, sys.stdout, ensure_ascii=False, indent=1)

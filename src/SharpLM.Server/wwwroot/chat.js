// The chat: sends the conversation to /v1/chat/completions with streaming and logprobs, shows the
// answer token by token shaded by probability, and lists a clicked token's alternatives.
"use strict";

const conversation = [];   // the messages so far: { role, content }
let running = null;        // the AbortController of the answer being streamed

const $ = id => document.getElementById(id);

serverInfo.then(info => {
  $("model-info").textContent = `${info.model} · ${info.layers} layers × ${info.heads} heads · context ${info.context_length} tokens · template ${info.template}`;
  $("template-name").textContent = info.template;
  $("api-key-row").hidden = !info.api_key_required;
});

for (const id of ["temperature", "top-p"]) {
  $(id).addEventListener("input", () => { $(id + "-value").textContent = $(id).value; });
}

/** The request body: the conversation plus every sampling control, as OpenAI names them (top_k is SharpLM's extension). */
async function requestBody() {
  const info = await serverInfo;
  const messages = [];
  if ($("system").value.trim()) messages.push({ role: "system", content: $("system").value });
  messages.push(...conversation);
  const body = {
    model: info.model, messages,
    temperature: Number($("temperature").value),
    top_p: Number($("top-p").value),
    top_k: Number($("top-k").value),
    max_tokens: Number($("max-tokens").value),
    logprobs: true, top_logprobs: 5,   // each token's probability and its 5 most likely alternatives
  };
  if ($("seed").value !== "") body.seed = Number($("seed").value);
  return body;
}

/** Adds a message bubble to the page and returns the element its text goes into. */
function addBubble(role, text) {
  const bubble = document.createElement("div");
  bubble.className = "message " + role;
  const who = document.createElement("span");
  who.className = "role";
  who.textContent = role;
  const content = document.createElement("span");
  content.className = "content";
  content.textContent = text;
  bubble.append(who, content);
  $("conversation").append(bubble);
  $("conversation").scrollTop = $("conversation").scrollHeight;
  return content;
}

/** One generated token as a clickable span, its background from red (unlikely) to green (likely). */
function addToken(target, entry) {
  const p = Math.exp(entry.logprob);
  const span = document.createElement("span");
  span.className = "token";
  span.textContent = tokenText(entry);
  span.style.backgroundColor = `hsl(${Math.round(120 * p)}, 75%, 84%)`;
  span.title = `${percent(p)} — click for alternatives`;
  span.addEventListener("click", () => showAlternatives(span, entry));
  target.append(span);
}

/** The panel listing what the model could have said instead at this position, with probability bars. */
function showAlternatives(span, entry) {
  document.querySelectorAll(".token.selected").forEach(s => s.classList.remove("selected"));
  span.classList.add("selected");
  const panel = $("alternatives");
  panel.replaceChildren();
  const title = document.createElement("p");
  title.textContent = `Chosen: "${visibleToken(tokenText(entry))}" with probability ${percent(Math.exp(entry.logprob))}. The most likely tokens here:`;
  panel.append(title);
  const list = document.createElement("ol");
  const candidates = entry.top_logprobs || [];
  for (const alt of candidates) {
    const p = Math.exp(alt.logprob);
    const item = document.createElement("li");
    if (alt.token === entry.token) item.className = "chosen";
    const name = document.createElement("code");
    name.textContent = visibleToken(tokenText(alt));
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = (100 * p).toFixed(1) + "%";
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = percent(p);
    const track = document.createElement("span");
    track.className = "track";
    track.append(bar);
    item.append(name, track, value);
    list.append(item);
  }
  panel.append(list);
  if (!candidates.some(alt => alt.token === entry.token)) {
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent = "The chosen token is not among them: sampling picked a less likely one.";
    panel.append(note);
  }
  panel.hidden = false;
}

/** Sends the typed message and streams the answer into a new bubble. */
async function send(event) {
  event.preventDefault();
  const text = $("message").value;
  if (!text.trim() || running) return;
  $("message").value = "";
  conversation.push({ role: "user", content: text });
  addBubble("user", text);
  const target = addBubble("assistant", "");
  const body = await requestBody();
  api.post("/playground/prompt", body).then(r => { $("prompt-text").textContent = r.prompt; }).catch(() => {});

  running = new AbortController();
  $("send").disabled = true;
  $("stop").disabled = false;
  $("chat-status").textContent = "generating…";
  let answer = "", tokens = 0, finish = null, sawLogprobs = false;
  const started = performance.now();
  try {
    await api.streamChat(body, chunk => {
      const choice = chunk.choices[0];
      if (!choice) return;
      const piece = choice.delta.content || "";
      const entries = choice.logprobs && choice.logprobs.content;
      if (entries && entries.length) {
        sawLogprobs = true;
        for (const entry of entries) { addToken(target, entry); tokens++; }
      } else if (piece) {
        target.append(piece);   // a server without logprobs: plain text
      }
      answer += piece;
      target.dataset.text = answer;   // the answer's text as sent (the spans may show bytes instead)
      finish = choice.finish_reason || finish;
      $("conversation").scrollTop = $("conversation").scrollHeight;
    }, running.signal);
    const seconds = (performance.now() - started) / 1000;
    $("chat-status").textContent = `done (${finish || "stopped"}): ${tokens || "?"} tokens in ${seconds.toFixed(2)} s`
      + (sawLogprobs ? "" : " — this server sent no token probabilities");
  } catch (e) {
    $("chat-status").textContent = e.name === "AbortError" ? "stopped" : "error: " + e.message;
  } finally {
    conversation.push({ role: "assistant", content: answer });
    running = null;
    $("send").disabled = false;
    $("stop").disabled = true;
  }
}

$("chat-form").addEventListener("submit", send);
$("message").addEventListener("keydown", e => {
  if (e.key === "Enter" && !e.shiftKey) send(e);
});
$("stop").addEventListener("click", () => running && running.abort());
$("clear").addEventListener("click", () => {
  conversation.length = 0;
  $("conversation").replaceChildren();
  $("alternatives").hidden = true;
  $("chat-status").textContent = "";
});

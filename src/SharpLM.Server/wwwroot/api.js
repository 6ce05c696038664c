// Talking to the server: the OpenAI-compatible /v1 routes and the playground's own /playground routes.
"use strict";

const api = {
  /** Request headers: JSON, plus the API key when the server wants one. */
  headers() {
    const h = { "Content-Type": "application/json" };
    const key = document.getElementById("api-key").value;
    if (key) h.Authorization = "Bearer " + key;
    return h;
  },

  /** POSTs a JSON body and returns the parsed answer; an OpenAI error object becomes an Error with its message. */
  async post(path, body) {
    const response = await fetch(path, { method: "POST", headers: api.headers(), body: JSON.stringify(body) });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error ? answer.error.message : response.statusText);
    return answer;
  },

  /**
   * Streams a chat completion: the body is sent with stream: true, and every server-sent event
   * ("data: {chunk}" separated by blank lines, ended by "data: [DONE]") is parsed and handed to onChunk.
   */
  async streamChat(body, onChunk, signal) {
    const response = await fetch("/v1/chat/completions", {
      method: "POST", headers: api.headers(), signal, body: JSON.stringify({ ...body, stream: true }),
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      throw new Error(answer.error ? answer.error.message : response.statusText);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!event.startsWith("data: ")) continue;
        const data = event.slice(6);
        if (data === "[DONE]") return;
        onChunk(JSON.parse(data));
      }
    }
  },
};

/** A token as a learner can read it: spaces as ␣, newlines and tabs as \n and \t. */
function visibleToken(text) {
  return text.replace(/ /g, "␣").replace(/\n/g, "\\n").replace(/\t/g, "\\t");
}

/**
 * A logprobs entry's text: its token, or — when the token is only part of a UTF-8 character
 * (a byte-level tokenizer splits rare characters into bytes) — its bytes, e.g. "\xe2\x80".
 */
function tokenText(entry) {
  if (!entry.token.includes("\uFFFD") || !Array.isArray(entry.bytes)) return entry.token;
  return entry.bytes.map(b => "\\x" + b.toString(16).padStart(2, "0")).join("");
}

/** Percent with one decimal: 0.4321 → "43.2%". */
function percent(p) {
  return (100 * p).toFixed(p < 0.001 ? 3 : 1) + "%";
}

/** What the server serves: model name, chat template, context length, layers and heads (GET /playground/info). */
const serverInfo = fetch("/playground/info").then(r => r.json());

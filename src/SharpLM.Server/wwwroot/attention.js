// Attention heatmaps: POST /playground/attention returns the prompt's tokens and, for every layer
// and head, the attention probabilities [layer][head][query][key] (row q holds keys 0..q: a causal
// model only looks back). The selected map is drawn on a canvas, white 0 to dark blue 1.
"use strict";

let maps = null;   // the last answer: { tokens, ids, attention }

const canvas = document.getElementById("attention-canvas");
const byId = id => document.getElementById(id);

serverInfo.then(info => {
  for (let l = 0; l < info.layers; l++) byId("layer").add(new Option(`layer ${l}`, l));
  byId("head").add(new Option("average of heads", "avg"));
  for (let h = 0; h < info.heads; h++) byId("head").add(new Option(`head ${h}`, h));
  byId("head").value = "0";
});

/** The selected layer's map for one head, or the average over heads. */
function selectedMap() {
  const layer = maps.attention[Number(byId("layer").value)];
  const head = byId("head").value;
  if (head !== "avg") return layer[Number(head)];
  return layer[0].map((row, q) => row.map((_, k) => layer.reduce((sum, h) => sum + h[q][k], 0) / layer.length));
}

/** Layout of the drawing: cell size and room for the token labels along the left and the top. */
function layout(count) {
  const cell = Math.max(4, Math.min(28, Math.floor(560 / count)));
  const labels = cell >= 10;
  const margin = labels ? 12 + 7 * Math.min(14, Math.max(...maps.tokens.map(t => visibleToken(t).length))) : 6;
  return { cell, labels, margin };
}

function color(p) {   // white (0) to dark blue (1), as in `sharplm attention`
  const v = Math.max(0, Math.min(1, p));
  return `rgb(${Math.round(255 - v * 247)}, ${Math.round(255 - v * 207)}, ${Math.round(255 - v * 148)})`;
}

function short(token) {
  const t = visibleToken(token);
  return t.length > 14 ? t.slice(0, 13) + "…" : t;
}

/** Draws the selected map: row q is the query token, column k a token it attends to. */
function draw() {
  if (!maps) return;
  const map = selectedMap(), n = maps.tokens.length;
  const { cell, labels, margin } = layout(n);
  canvas.width = margin + n * cell + 2;
  canvas.height = margin + n * cell + 2;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = "#eee";   // the future, which a causal model cannot see
  g.fillRect(margin, margin, n * cell, n * cell);
  for (let q = 0; q < n; q++) {
    for (let k = 0; k <= q; k++) {
      g.fillStyle = color(map[q][k]);
      g.fillRect(margin + k * cell, margin + q * cell, cell, cell);
    }
  }
  g.strokeStyle = "#999";
  g.strokeRect(margin + 0.5, margin + 0.5, n * cell, n * cell);
  if (labels) {
    g.fillStyle = "#222";
    g.font = `${Math.min(12, cell - 2)}px sans-serif`;
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (let i = 0; i < n; i++) g.fillText(short(maps.tokens[i]), margin - 4, margin + i * cell + cell / 2);
    g.textAlign = "left";
    for (let i = 0; i < n; i++) {   // column labels, rotated along the top
      g.save();
      g.translate(margin + i * cell + cell / 2, margin - 4);
      g.rotate(-Math.PI / 2);
      g.fillText(short(maps.tokens[i]), 0, 0);
      g.restore();
    }
  }
  canvas.dataset.map = `layer ${byId("layer").value} head ${byId("head").value}`;   // what is drawn (tests read it)
}

/** Hovering a cell tells its value: "sat → cat: 0.412". */
canvas.addEventListener("mousemove", e => {
  if (!maps) return;
  const { cell, margin } = layout(maps.tokens.length);
  const rect = canvas.getBoundingClientRect();
  const k = Math.floor((e.clientX - rect.left - margin) / cell), q = Math.floor((e.clientY - rect.top - margin) / cell);
  if (q < 0 || k < 0 || q >= maps.tokens.length || k > q) return;
  const w = selectedMap()[q][k];
  byId("attention-status").textContent = `"${visibleToken(maps.tokens[q])}" (token ${q}) → "${visibleToken(maps.tokens[k])}" (token ${k}): ${w.toFixed(3)}`;
});

async function run() {
  byId("attention-status").textContent = "running the prompt…";
  try {
    maps = await api.post("/playground/attention", { text: byId("attention-text").value });
    byId("attention-status").textContent = `${maps.tokens.length} tokens. Rows: the token attending; columns: the tokens it looks at. Hover a cell.`;
    draw();
  } catch (e) {
    byId("attention-status").textContent = "error: " + e.message;
  }
}

byId("attention-run").addEventListener("click", run);
byId("layer").addEventListener("change", draw);
byId("head").addEventListener("change", draw);
byId("attention-from-chat").addEventListener("click", () => {
  const prompt = byId("prompt-text").textContent;
  if (conversation.length) byId("attention-text").value = prompt;
});

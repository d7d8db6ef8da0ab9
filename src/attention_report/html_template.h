#pragma once
// The HTML page template of the .html report (html_page.cpp fills @TITLE@, @META@ and @DATA@).
// Self-contained: inline CSS and JS only, and a Content-Security-Policy that forbids any
// network access. The script decodes the base64 quantized probabilities, draws the heatmap on a
// canvas, and writes #status (data-state="drawn") when done; window.onerror writes into #errors.
#include <string_view>

namespace bertcls::attention_report {

inline constexpr std::string_view kHtmlTemplate = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>@TITLE@</title>
<script>
// Installed first, so any error later on the page is shown and can be read from the DOM.
window.onerror = function (message, source, line, column) {
  var box = document.getElementById('errors');
  var text = 'Uncaught error: ' + message + ' (line ' + line + ':' + column + ')';
  if (box) { box.hidden = false; box.textContent += text + '\n'; }
  document.documentElement.setAttribute('data-error', text);
  return false;
};
</script>
<style>
:root { --ink: #1a1a1a; --muted: #666; --line: #e2e2e2; --accent: #225ea8; }
* { box-sizing: border-box; }
body { margin: 0; padding: 18px 24px 28px; font: 14px/1.4 system-ui, "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
header { display: flex; flex-wrap: wrap; gap: 8px 36px; align-items: flex-start; border-bottom: 1px solid var(--line); padding-bottom: 12px; }
h1 { font-size: 22px; margin: 0 0 2px; font-weight: 600; }
h1 .label { color: var(--accent); }
h1 .score { color: var(--muted); font-weight: 400; margin-left: 6px; }
.input { color: var(--muted); max-width: 760px; overflow-wrap: anywhere; }
.input q { color: var(--ink); }
.input .truncated { color: #b35900; font-weight: 600; }
.input .quote { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; overflow: hidden; }
.scores { display: grid; grid-template-columns: max-content 160px max-content; gap: 2px 8px; align-items: center; font-size: 12px; margin: 0; }
.scores .bar { height: 9px; background: #eef1f5; border-radius: 2px; overflow: hidden; }
.scores .bar span { display: block; height: 100%; background: var(--accent); }
.scores .best { font-weight: 600; }
.controls { display: flex; flex-wrap: wrap; gap: 8px 28px; align-items: center; margin: 12px 0 8px; }
.group { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.group > b { font-weight: 600; margin-right: 4px; font-size: 13px; }
button { font: inherit; font-size: 12px; min-width: 30px; padding: 3px 8px; border: 1px solid #c8ccd2; background: #fff; border-radius: 4px; cursor: pointer; color: var(--ink); }
button:hover { border-color: var(--accent); }
button[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
.hint { color: var(--muted); font-size: 12px; }
.strip { display: flex; flex-wrap: wrap; gap: 3px; margin: 6px 0 12px; align-items: baseline; }
.strip .caption { color: var(--muted); font-size: 12px; margin-right: 6px; }
.tok { font: 12px/1.2 ui-monospace, "DejaVu Sans Mono", monospace; padding: 2px 4px; border-radius: 3px; border: 1px solid #e6e6e6; white-space: pre; cursor: default; }
.tok.query { outline: 2px solid #e34a33; outline-offset: 0; }
.view { display: flex; gap: 16px; align-items: flex-start; }
.scroller { overflow: auto; max-width: calc(100vw - 150px); max-height: 80vh; border: 1px solid var(--line); border-radius: 4px; }
.stack { position: relative; }
.stack canvas { display: block; }
#overlay { position: absolute; left: 0; top: 0; }
.legend { display: flex; gap: 6px; font-size: 11px; color: #444; position: sticky; top: 0; }
.legend .ticks { display: flex; flex-direction: column; justify-content: space-between; height: 220px; }
.legend .name { writing-mode: vertical-rl; transform: rotate(180deg); color: var(--muted); }
#tooltip { position: fixed; pointer-events: none; background: rgba(20, 20, 20, 0.88); color: #fff; font-size: 12px; padding: 4px 7px; border-radius: 4px; white-space: pre; display: none; z-index: 2; }
#errors { color: #b00020; white-space: pre-wrap; font-family: monospace; }
footer { margin-top: 12px; color: #999; font-size: 11px; }
</style>
</head>
<body>
<header>
  <div>
    <h1>Prediction: <span class="label" id="pred-label"></span><span class="score" id="pred-score"></span></h1>
    <div class="input" id="input"></div>
  </div>
  <div class="scores" id="scores"></div>
</header>
<div class="controls">
  <div class="group" id="layers"><b>Layer</b></div>
  <div class="group" id="heads"><b>Head</b></div>
  <div class="group" id="scale"><b>Colour scale</b></div>
  <span class="hint">Hover a cell or token; click to pin the query. Keys: &#8592; &#8594; layer, &#8593; &#8595; head, m mean.</span>
</div>
<div class="strip" id="strip"></div>
<div class="view">
  <div class="scroller" id="scroller"><div class="stack"><canvas id="heatmap"></canvas><canvas id="overlay"></canvas></div></div>
  <div class="legend"><canvas id="legend" width="14" height="220"></canvas><div class="ticks" id="ticks"></div><div class="name">attention probability</div></div>
</div>
<div id="tooltip"></div>
<p id="status" class="hint" data-state="loading">Loading&#8230;</p>
<pre id="errors" hidden></pre>
<footer id="footer"></footer>
<script id="bertcls-meta" type="application/json">@META@</script>
<script id="bertcls-attentions" type="application/octet-stream">@DATA@</script>
<script>
(function () {
'use strict';
var meta = JSON.parse(document.getElementById('bertcls-meta').textContent);
var T = meta.T;
var FONT = 'system-ui, "DejaVu Sans", Helvetica, Arial, sans-serif';
// The embedded maps: model layer LAYERS[l] and head HEADS[h] (HEADS is ['mean'] when only the mean is).
var LAYERS = meta.layers, HEADS = meta.heads, NL = LAYERS.length, NH = HEADS.length;
// What the head buttons offer: the embedded heads, and their mean when there are several.
var HEAD_CHOICES = NH > 1 ? HEADS.concat(['mean']) : HEADS.slice();

// The probabilities, base64: each row's largest value (little-endian float32, [layers][heads][T]),
// then each value as a BITS-bit fraction of its row's largest (two per byte at 4 bits, high nibble first).
var BITS = meta.value_bits, ROWS = NL * NH * T, LEVELS = (1 << BITS) - 1;
var raw = atob(document.getElementById('bertcls-attentions').textContent.replace(/\s+/g, ''));
var expected = ROWS * 4 + Math.ceil(ROWS * T * BITS / 8);
if (raw.length !== expected) throw new Error('attention data has ' + raw.length + ' bytes, expected ' + expected);
var bytes = new Uint8Array(raw.length);
for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
var dv = new DataView(bytes.buffer);
var values = new Float32Array(ROWS * T);
for (var r = 0, at = ROWS * 4; r < ROWS; r++) {
  var scale = dv.getFloat32(4 * r, true) / LEVELS;
  for (var k = 0; k < T; k++) {
    var n = r * T + k;
    var code = BITS === 8 ? bytes[at + n] : n % 2 ? bytes[at + (n >> 1)] & 15 : bytes[at + (n >> 1)] >> 4;
    values[n] = code * scale;
  }
}

var meanCache = {};
function stored(layer, slot) { return values.subarray((layer * NH + slot) * T * T, (layer * NH + slot + 1) * T * T); }
// layer: a slot of LAYERS; head: one of HEAD_CHOICES.
function mapOf(layer, head) {
  if (HEADS.indexOf(head) >= 0) return stored(layer, HEADS.indexOf(head));
  if (!meanCache[layer]) {
    var m = new Float32Array(T * T);
    for (var h = 0; h < NH; h++) {
      var s = stored(layer, h);
      for (var j = 0; j < T * T; j++) m[j] += s[j];
    }
    for (j = 0; j < T * T; j++) m[j] /= NH;
    meanCache[layer] = m;
  }
  return meanCache[layer];
}

// Colour scale: the stops the C++ side uses, as a 256-entry table.
var stops = meta.colormap.map(function (hex) { return [1, 3, 5].map(function (k) { return parseInt(hex.substr(k, 2), 16); }); });
var lut = [], lutRgb = [];
for (i = 0; i < 256; i++) {
  var t = i / 255 * (stops.length - 1), k = Math.min(Math.floor(t), stops.length - 2), f = t - k;
  var rgb = [0, 1, 2].map(function (c) { return Math.round(stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f); });
  lutRgb.push(rgb);
  lut.push('rgb(' + rgb.join(',') + ')');
}
function colourIndex(v, vmax) { return Math.max(0, Math.min(255, Math.round(v / vmax * 255))); }
function niceMax(x) {
  if (!(x > 1e-6)) return 1e-6;
  if (x >= 1) return 1;
  var p = Math.pow(10, Math.floor(Math.log10(x)));
  var steps = [1, 2, 2.5, 5, 10];
  for (var s = 0; s < steps.length; s++) if (x <= steps[s] * p * (1 + 1e-9)) return Math.min(1, steps[s] * p);
  return 1;
}
function shorten(s, n) {
  s = s.replace(/[\u0000-\u001f\u007f]/g, function (c) { return String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)); });
  var chars = Array.from(s);
  return chars.length > n ? chars.slice(0, n - 1).join('') + '\u2026' : s;
}
function fmt(v) { return v.toFixed(v >= 0.0995 ? 3 : 4); }

// state.layer is a slot of LAYERS; state.head one of HEAD_CHOICES.
var state = { layer: LAYERS.indexOf(meta.initial_layer), head: meta.initial_head, scale: 'auto', query: 0, pinned: false, hover: null };
// A link can name the view by model layer and head: page.html#layer=1&head=0 (or head=mean).
location.hash.replace(/^#/, '').split('&').forEach(function (part) {
  var kv = part.split('=');
  if (kv[0] === 'layer' && /^\d+$/.test(kv[1]) && LAYERS.indexOf(+kv[1]) >= 0) state.layer = LAYERS.indexOf(+kv[1]);
  if (kv[0] === 'head') {
    var head = kv[1] === 'mean' ? 'mean' : /^\d+$/.test(kv[1]) ? +kv[1] : null;
    if (HEAD_CHOICES.indexOf(head) >= 0) state.head = head;
  }
});
if (HEAD_CHOICES.indexOf(state.head) < 0) state.head = HEAD_CHOICES[HEAD_CHOICES.length - 1];
if (!(state.layer >= 0 && state.layer < NL)) state.layer = NL - 1;

// Header: prediction, input, scores.
var pred = meta.prediction;
document.getElementById('pred-label').textContent = pred.label;
document.getElementById('pred-score').textContent = pred.score.toFixed(4);
var input = document.getElementById('input');
function addText(parent, text) { parent.appendChild(document.createTextNode(text)); }
if (meta.text !== undefined) {
  var quote = document.createElement('div'); quote.className = 'quote';
  var q1 = document.createElement('q'); q1.textContent = meta.text; quote.appendChild(q1);
  if (meta.pair !== undefined) { addText(quote, ' / '); var q2 = document.createElement('q'); q2.textContent = meta.pair; quote.appendChild(q2); }
  quote.title = meta.text + (meta.pair !== undefined ? ' / ' + meta.pair : '');
  input.appendChild(quote);
}
addText(input, meta.model + ' \u00b7 ' + meta.family + ', ' + meta.num_layers + ' layers \u00d7 ' + meta.num_heads + ' heads \u00b7 ' + T + ' tokens');
if (meta.truncated) {
  var cut = document.createElement('div'); cut.className = 'truncated'; cut.id = 'truncated';
  cut.textContent = 'Truncated: ' + meta.truncation_note + '.';
  input.appendChild(cut);
}
var scores = document.getElementById('scores');
var shown = pred.scores.slice(0, 8);
var top = Math.max.apply(null, shown.map(function (s) { return Math.abs(s.score); })) || 1;
shown.forEach(function (s, n) {
  var name = document.createElement('span'); name.textContent = s.label; if (n === 0) name.className = 'best';
  var bar = document.createElement('span'); bar.className = 'bar';
  var fill = document.createElement('span');
  fill.style.width = (meta.problem_type === 'regression' ? Math.abs(s.score) / top : Math.max(0, Math.min(1, s.score))) * 100 + '%';
  bar.appendChild(fill);
  var val = document.createElement('span'); val.textContent = s.score.toFixed(4);
  scores.appendChild(name); scores.appendChild(bar); scores.appendChild(val);
});
if (pred.scores.length > shown.length) { var more = document.createElement('span'); more.className = 'hint'; more.textContent = '+' + (pred.scores.length - shown.length) + ' more'; scores.appendChild(more); }
document.getElementById('footer').textContent = 'bertcls ' + meta.version + ' \u00b7 attention probabilities of ' + meta.model +
  ' (layer ' + LAYERS.join(', ') + '; head ' + HEADS.join(', ') + '; each row to ' + BITS + ' bits of its largest value)' +
  ' \u00b7 this page is self-contained and works offline';

// Controls.
function makeButtons(containerId, items, isActive, onPick) {
  var box = document.getElementById(containerId), buttons = [];
  items.forEach(function (item) {
    var b = document.createElement('button');
    b.type = 'button'; b.textContent = item.text; b.title = item.title || '';
    b.addEventListener('click', function () { onPick(item.value); });
    box.appendChild(b); buttons.push({ b: b, v: item.value });
  });
  return function () { buttons.forEach(function (x) { x.b.setAttribute('aria-pressed', String(isActive(x.v))); }); };
}
var layerItems = [], headItems = [];
for (i = 0; i < NL; i++) layerItems.push({ text: String(LAYERS[i]), value: i, title: 'layer ' + LAYERS[i] });
HEAD_CHOICES.forEach(function (h) {
  headItems.push({ text: String(h), value: h, title: h === 'mean' ? 'mean over the ' + meta.num_heads + ' heads' : 'head ' + h });
});
var refreshers = [
  makeButtons('layers', layerItems, function (v) { return v === state.layer; }, function (v) { state.layer = v; draw(); }),
  makeButtons('heads', headItems, function (v) { return v === state.head; }, function (v) { state.head = v; draw(); }),
  makeButtons('scale', [{ text: '0 \u2013 map max', value: 'auto', title: 'top of the scale: the largest value of this map' },
                        { text: '0 \u2013 1', value: 'one', title: 'fixed scale, comparable across maps' }],
              function (v) { return v === state.scale; }, function (v) { state.scale = v; draw(); })
];
document.addEventListener('keydown', function (e) {
  if (e.target && e.target.tagName === 'INPUT') return;
  var h = HEAD_CHOICES.indexOf(state.head), nh = HEAD_CHOICES.length;
  if (e.key === 'ArrowLeft') state.layer = (state.layer + NL - 1) % NL;
  else if (e.key === 'ArrowRight') state.layer = (state.layer + 1) % NL;
  else if (e.key === 'ArrowUp') h = (h + nh - 1) % nh;
  else if (e.key === 'ArrowDown') h = (h + 1) % nh;
  else if (e.key === 'm' && HEAD_CHOICES.indexOf('mean') >= 0) h = HEAD_CHOICES.indexOf('mean');
  else return;
  state.head = HEAD_CHOICES[h];
  e.preventDefault();
  draw();
});

// Token strip: shaded by the attention of the current query token.
var strip = document.getElementById('strip');
var caption = document.createElement('span'); caption.className = 'caption'; strip.appendChild(caption);
var chips = meta.tokens.map(function (tok, n) {
  var c = document.createElement('span');
  c.className = 'tok'; c.textContent = shorten(tok, 40); c.title = n + ': ' + tok + ' (id ' + meta.input_ids[n] + ')';
  c.addEventListener('mouseenter', function () { if (!state.pinned) { state.query = n; drawOverlay(); } });
  c.addEventListener('click', function () { state.pinned = !(state.pinned && state.query === n); state.query = n; drawOverlay(); });
  strip.appendChild(c);
  return c;
});

// Heatmap geometry.
var heat = document.getElementById('heatmap'), over = document.getElementById('overlay');
var dpr = window.devicePixelRatio || 1;
var cell = Math.max(12, Math.min(30, Math.floor(620 / T)));
var fontPx = Math.min(12, Math.floor(cell * 0.85));
var labelFont = fontPx + 'px ' + FONT, boldFont = 'bold ' + labelFont;
var labels = meta.tokens.map(function (t) { return shorten(t, 20); });
var ctx = heat.getContext('2d');
ctx.font = boldFont;
var labelW = Math.ceil(Math.max.apply(null, labels.map(function (l) { return ctx.measureText(l).width; }).concat([20]))) + 10;
var left = labelW + 20, topY = labelW + 20, grid = cell * T;
var W = left + grid + 12, H = topY + grid + 12;
[heat, over].forEach(function (c) {
  c.width = Math.round(W * dpr); c.height = Math.round(H * dpr); c.style.width = W + 'px'; c.style.height = H + 'px';
  c.getContext('2d').setTransform(dpr, 0, 0, dpr, 0, 0);
});
var octx = over.getContext('2d');

function currentMap() { return mapOf(state.layer, state.head); }
function currentMax(map) {
  if (state.scale === 'one') return 1;
  var m = 0;
  for (var j = 0; j < map.length; j++) if (map[j] > m) m = map[j];
  return niceMax(m);
}

var vmax = 1;
function draw() {
  var map = currentMap();
  vmax = currentMax(map);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
  var distinct = {}, nonzero = 0;
  for (var q = 0; q < T; q++) for (var k = 0; k < T; k++) {
    var ci = colourIndex(map[q * T + k], vmax);
    distinct[ci] = 1; if (ci > 0) nonzero++;
    ctx.fillStyle = lut[ci];
    ctx.fillRect(left + k * cell, topY + q * cell, cell, cell);
  }
  if (cell >= 28) {  // few tokens: print the values in the cells
    ctx.font = '9px ' + FONT; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
    for (q = 0; q < T; q++) for (k = 0; k < T; k++) {
      var v = map[q * T + k], rgb = lutRgb[colourIndex(v, vmax)];
      if (v < 0.005) continue;
      ctx.fillStyle = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140 ? 'rgba(0,0,0,0.55)' : 'rgba(255,255,255,0.9)';
      ctx.fillText(v.toFixed(2).replace(/^0/, ''), left + (k + 0.5) * cell, topY + (q + 0.5) * cell);
    }
  }
  ctx.strokeStyle = '#999'; ctx.lineWidth = 0.5; ctx.strokeRect(left, topY, grid, grid);
  ctx.fillStyle = '#222'; ctx.font = labelFont; ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (var n = 0; n < T; n++) ctx.fillText(labels[n], left - 6, topY + (n + 0.5) * cell);
  ctx.textAlign = 'left';
  for (n = 0; n < T; n++) {
    ctx.save(); ctx.translate(left + (n + 0.5) * cell, topY - 6); ctx.rotate(-Math.PI / 2); ctx.fillText(labels[n], 0, 0); ctx.restore();
  }
  ctx.fillStyle = '#888'; ctx.font = '11px ' + FONT; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
  ctx.fillText('key (attended to) \u2192', 4, 4);
  ctx.save(); ctx.translate(4, topY + Math.min(grid, 200)); ctx.rotate(-Math.PI / 2); ctx.fillText('query (attending) \u2192', 0, 0); ctx.restore();
  drawLegend();
  refreshers.forEach(function (r) { r(); });
  drawOverlay();
  var layer = LAYERS[state.layer];
  var headText = state.head === 'mean' ? 'mean over ' + meta.num_heads + ' heads' : 'head ' + state.head;
  document.title = pred.label + ' ' + pred.score.toFixed(4) + ' \u00b7 layer ' + layer + ' \u00b7 ' + headText + ' \u2014 bertcls attention';
  try { history.replaceState(null, '', '#layer=' + layer + '&head=' + state.head); } catch (e) { /* file:// in some browsers */ }
  var status = document.getElementById('status');
  status.dataset.state = 'drawn'; status.dataset.layer = layer; status.dataset.head = state.head;
  status.dataset.cells = T * T; status.dataset.nonzeroCells = nonzero; status.dataset.colours = Object.keys(distinct).length;
  status.dataset.labels = 2 * T;
  status.textContent = 'Layer ' + layer + ', ' + headText + ': ' + T + ' \u00d7 ' + T + ' cells drawn (' +
    Object.keys(distinct).length + ' shades), colour scale 0 \u2013 ' + vmax + '.';
}

function drawLegend() {
  var lc = document.getElementById('legend'), lx = lc.getContext('2d');
  for (var y = 0; y < lc.height; y++) { lx.fillStyle = lut[Math.round((1 - y / (lc.height - 1)) * 255)]; lx.fillRect(0, y, lc.width, 1); }
  var ticks = document.getElementById('ticks');
  ticks.textContent = '';
  [1, 0.75, 0.5, 0.25, 0].forEach(function (f) { var s = document.createElement('span'); s.textContent = +(vmax * f).toPrecision(3); ticks.appendChild(s); });
}

function drawOverlay() {
  octx.clearRect(0, 0, W, H);
  var map = currentMap(), q = state.query, hv = state.hover;
  // The query row, and the hovered cell's row and column.
  octx.strokeStyle = '#e34a33'; octx.lineWidth = 2;
  octx.strokeRect(left - 1, topY + q * cell - 1, grid + 2, cell + 2);
  octx.fillStyle = 'rgba(227, 74, 51, 0.16)';
  octx.fillRect(0, topY + q * cell, left - 2, cell);
  if (hv) {
    octx.strokeStyle = '#111'; octx.lineWidth = 1.5;
    octx.strokeRect(left + hv.k * cell - 0.5, topY - 0.5, cell + 1, grid + 1);
    octx.strokeRect(left + hv.k * cell - 1, topY + hv.q * cell - 1, cell + 2, cell + 2);
    octx.fillStyle = 'rgba(0, 0, 0, 0.10)';
    octx.fillRect(left + hv.k * cell, 0, cell, topY - 2);
  }
  // Token strip: the query's distribution over keys.
  caption.textContent = 'attention from \u201c' + shorten(meta.tokens[q], 20) + '\u201d (' + q + (state.pinned ? ', pinned' : '') + ') to:';
  var rowMax = 0;
  for (var k = 0; k < T; k++) rowMax = Math.max(rowMax, map[q * T + k]);
  var rmax = state.scale === 'one' ? 1 : niceMax(rowMax);
  chips.forEach(function (c, k) {
    var ci = colourIndex(map[q * T + k], rmax), rgb = lutRgb[ci];
    c.style.background = lut[ci];
    c.style.color = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140 ? '#1a1a1a' : '#fff';
    c.classList.toggle('query', k === q);
    c.title = k + ': ' + meta.tokens[k] + ' (id ' + meta.input_ids[k] + '), ' + fmt(map[q * T + k]);
  });
}

var tooltip = document.getElementById('tooltip');
over.addEventListener('mousemove', function (e) {
  var r = over.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
  var k = Math.floor((x - left) / cell), q = Math.floor((y - topY) / cell);
  if (k < 0 || q < 0 || k >= T || q >= T) { state.hover = null; tooltip.style.display = 'none'; drawOverlay(); return; }
  state.hover = { q: q, k: k };
  if (!state.pinned) state.query = q;
  drawOverlay();
  tooltip.textContent = '\u201c' + meta.tokens[q] + '\u201d (' + q + ') \u2192 \u201c' + meta.tokens[k] + '\u201d (' + k + ')\n' + fmt(currentMap()[q * T + k]);
  tooltip.style.display = 'block';
  tooltip.style.left = Math.min(e.clientX + 14, window.innerWidth - tooltip.offsetWidth - 4) + 'px';
  tooltip.style.top = (e.clientY + 14) + 'px';
});
over.addEventListener('mouseleave', function () { state.hover = null; tooltip.style.display = 'none'; drawOverlay(); });
over.addEventListener('click', function () { if (state.hover) { state.query = state.hover.q; state.pinned = !state.pinned; drawOverlay(); } });

draw();
})();
</script>
</body>
</html>
)HTML";

}  // namespace bertcls::attention_report

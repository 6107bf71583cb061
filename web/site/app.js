// The page: drawing and input only. Every forward pass, backward pass and update happens in the
// wasm module built from the Rust crates (./pkg/web.js, see web/build.sh).
import {
  CLASS_COLORS, viridis, diverging, setupCanvas, fmt, fmtPct, median, contourSegments,
} from "./draw.js";

const $ = (id) => document.getElementById(id);
const body = document.body;
let wasm = null;

// ───────────────────────────── errors shown in the page ─────────────────────────────
function message(err) {
  if (err instanceof Error) return err.message || String(err);
  return String(err);
}
function showPageError(text) {
  const el = $("page-error");
  el.textContent = text;
  el.hidden = false;
}
function showInline(id, text) {
  const el = $(id);
  if (!text) {
    el.hidden = true;
    el.textContent = "";
  } else {
    el.textContent = text;
    el.hidden = false;
  }
}
window.addEventListener("error", (e) => showPageError(`Unexpected error: ${e.message}`));
window.addEventListener("unhandledrejection", (e) => showPageError(`Unexpected error: ${message(e.reason)}`));

// ───────────────────────────── small helpers ─────────────────────────────
function num(id) {
  return Number($(id).value);
}
function setReadout(id, value, text) {
  const el = $(id);
  el.dataset.value = String(value);
  el.textContent = text;
}
/** Keeps each `<output data-for=ID>` showing its input's current value, formatted. */
const outputFormats = {
  noise: (v) => Number(v).toFixed(2),
  "train-fraction": (v) => `${Math.round(v * 100)}% train`,
  seed: (v) => v,
  layers: (v) => v,
  neurons: (v) => v,
  lr: (v) => v,
  "batch-size": (v) => v,
  momentum: (v) => Number(v).toFixed(2),
  "steps-per-frame": (v) => v,
  "weights-lr": (v) => Number(v).toFixed(2),
  "weights-batch": (v) => (Number(v) >= Number($("weights-batch").max) ? `${v} (full)` : v),
  "weights-steps": (v) => v,
};
function refreshOutputs() {
  for (const out of document.querySelectorAll("output[data-for]")) {
    const id = out.dataset.for;
    const input = $(id);
    if (!input) continue;
    const f = outputFormats[id] || ((v) => v);
    out.textContent = input.type === "number" ? "" : f(input.value);
  }
}
document.addEventListener("input", refreshOutputs);

// ───────────────────────────── tabs ─────────────────────────────
const VIEWS = ["playground", "weights", "digit"];
let currentView = null;
function showView(name) {
  if (!VIEWS.includes(name)) name = "playground";
  if (currentView === name) return;
  currentView = name;
  for (const v of VIEWS) {
    $(v).hidden = v !== name;
    $(`tab-${v}`).setAttribute("aria-selected", String(v === name));
  }
  if (name !== "playground") playground.pause();
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  onViewShown[name]?.();
}
const onViewShown = {};
for (const v of VIEWS) $(`tab-${v}`).addEventListener("click", () => showView(v));
window.addEventListener("hashchange", () => showView(location.hash.slice(1)));

// ═════════════════════════════ 1. Playground ═════════════════════════════
const REGION_RES = 72;
const NEURON_RES = 24;
const playground = {
  model: null,
  playing: false,
  raf: 0,
  history: [],
  activation: "tanh",
  bounds: null,
  points: null,
  labels: null,
  trainCount: 0,
  classes: 2,
  regionsCanvas: document.createElement("canvas"),
  tileCanvas: document.createElement("canvas"),

  settings() {
    const layers = Math.max(0, Math.min(4, Math.round(num("layers"))));
    const neurons = Math.max(1, Math.min(32, Math.round(num("neurons"))));
    return {
      dataset: $("dataset").value,
      points: 1000,
      noise: num("noise"),
      trainFraction: num("train-fraction"),
      seed: Math.round(num("seed")),
      hidden: new Uint32Array(layers).fill(neurons),
      activation: $("activation").value,
    };
  },
  hyper() {
    const lr = num("lr");
    const batch = Math.round(num("batch-size"));
    const momentum = num("momentum");
    if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`learning rate must be a number > 0, found "${$("lr").value}"`);
    if (!(batch >= 1)) throw new Error(`batch size must be a whole number ≥ 1, found "${$("batch-size").value}"`);
    return { lr, batch, momentum };
  },

  reset() {
    const s = this.settings();
    let h;
    try {
      h = this.hyper();
    } catch (e) {
      showInline("pg-error", message(e));
      return;
    }
    const arch = [2, ...s.hidden].map(String);
    $("architecture").textContent = `${arch.join(" → ")} → classes · ${s.activation}`;
    let model;
    try {
      model = new wasm.Playground(s.dataset, s.points, s.noise, s.trainFraction, s.seed, s.hidden,
        s.activation, h.lr, h.batch, h.momentum);
    } catch (e) {
      showInline("pg-error", `Could not build the playground: ${message(e)}`);
      return;
    }
    showInline("pg-error", "");
    this.model?.free();
    this.model = model;
    this.activation = s.activation;
    this.classes = model.classes();
    this.trainCount = model.trainCount();
    this.bounds = Array.from(model.bounds());
    this.points = model.points();
    this.labels = model.labels();
    this.hiddenSizes = Array.from(model.hiddenSizes());
    $("architecture").textContent = `${[2, ...this.hiddenSizes, this.classes].join(" → ")} · ${s.activation}` +
      ` · ${this.trainCount} train / ${model.testCount()} test`;
    this.history = [];
    this.layoutNeurons();
    this.evaluateAndDraw();
  },

  applyHyper() {
    if (!this.model) return;
    try {
      const h = this.hyper();
      this.model.setHyper(h.lr, h.batch, h.momentum);
      showInline("pg-error", "");
    } catch (e) {
      showInline("pg-error", message(e));
    }
  },

  play() {
    if (this.playing || !this.model) return;
    this.playing = true;
    $("play").textContent = "Pause";
    $("play").setAttribute("aria-pressed", "true");
    const frame = () => {
      if (!this.playing) return;
      this.stepFrame();
      this.raf = requestAnimationFrame(frame);
    };
    this.raf = requestAnimationFrame(frame);
  },
  pause() {
    if (!this.playing) return;
    this.playing = false;
    cancelAnimationFrame(this.raf);
    $("play").textContent = "Play";
    $("play").setAttribute("aria-pressed", "false");
  },
  stepFrame() {
    if (!this.model) return;
    const n = Math.max(1, Math.round(num("steps-per-frame")));
    try {
      this.model.step(n);
    } catch (e) {
      this.pause();
      showInline("pg-error", `Training stopped: ${message(e)}`);
      return;
    }
    this.evaluateAndDraw();
  },

  evaluateAndDraw() {
    const m = this.model;
    m.evaluate();
    const trainLoss = m.trainLoss(), testLoss = m.testLoss();
    const trainAcc = m.trainAccuracy(), testAcc = m.testAccuracy();
    const steps = m.steps();
    setReadout("step-count", steps, steps.toLocaleString("en-US"));
    setReadout("train-loss", trainLoss, fmt(trainLoss, 4));
    setReadout("test-loss", testLoss, fmt(testLoss, 4));
    setReadout("train-accuracy", trainAcc, fmtPct(trainAcc));
    setReadout("test-accuracy", testAcc, fmtPct(testAcc));
    const last = this.history[this.history.length - 1];
    if (!last || last.step !== steps) this.history.push({ step: steps, train: trainLoss, test: testLoss });
    if (this.history.length > 1200) this.history = this.history.filter((_, i) => i % 2 === 0 || i === this.history.length - 1);
    this.drawRegions();
    this.drawLoss();
    this.drawNeurons();
  },

  toCanvas(x, y, w, h) {
    const [x0, x1, y0, y1] = this.bounds;
    return [((x - x0) / (x1 - x0)) * w, ((y1 - y) / (y1 - y0)) * h];
  },

  drawRegions() {
    const canvas = $("regions");
    const { ctx, w, h } = setupCanvas(canvas, 420, 420);
    const res = REGION_RES, K = this.classes;
    const probs = this.model.regions(res);
    const off = this.regionsCanvas;
    off.width = res;
    off.height = res;
    const octx = off.getContext("2d");
    const img = octx.createImageData(res, res);
    const d = img.data;
    const palette = CLASS_COLORS;
    for (let cell = 0; cell < res * res; cell++) {
      let r = 0, g = 0, b = 0, best = 0;
      for (let k = 0; k < K; k++) {
        const p = probs[cell * K + k];
        const c = palette[k % palette.length];
        r += p * c[0];
        g += p * c[1];
        b += p * c[2];
        if (p > best) best = p;
      }
      const conf = K > 1 ? Math.max(0, (best - 1 / K) / (1 - 1 / K)) : 1;
      const a = 0.12 + 0.5 * conf;
      d[cell * 4] = 255 * (1 - a) + r * a;
      d[cell * 4 + 1] = 255 * (1 - a) + g * a;
      d[cell * 4 + 2] = 255 * (1 - a) + b * a;
      d[cell * 4 + 3] = 255;
    }
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, w, h);

    // Axes through the origin, faint.
    ctx.strokeStyle = "rgba(0,0,0,0.12)";
    ctx.lineWidth = 1;
    const [ox, oy] = this.toCanvas(0, 0, w, h);
    ctx.beginPath();
    if (ox > 0 && ox < w) { ctx.moveTo(ox, 0); ctx.lineTo(ox, h); }
    if (oy > 0 && oy < h) { ctx.moveTo(0, oy); ctx.lineTo(w, oy); }
    ctx.stroke();

    // One path per class and kind: test points as rings under, training points filled on top.
    const pts = this.points, labels = this.labels, nTrain = this.trainCount;
    for (let pass = 0; pass < 2; pass++) {
      const from = pass === 0 ? nTrain : 0;
      const to = pass === 0 ? labels.length : nTrain;
      const radius = pass === 0 ? 3.2 : 3.4;
      for (let k = 0; k < K; k++) {
        const c = palette[k % palette.length];
        const dark = `rgb(${c[0] * 0.78},${c[1] * 0.78},${c[2] * 0.78})`;
        ctx.beginPath();
        for (let i = from; i < to; i++) {
          if (labels[i] !== k) continue;
          const [px, py] = this.toCanvas(pts[2 * i], pts[2 * i + 1], w, h);
          ctx.moveTo(px + radius, py);
          ctx.arc(px, py, radius, 0, 2 * Math.PI);
        }
        if (pass === 0) {
          ctx.fillStyle = "rgba(255,255,255,0.9)";
          ctx.fill();
          ctx.lineWidth = 1.6;
          ctx.strokeStyle = dark;
          ctx.stroke();
        } else {
          ctx.lineWidth = 1.6;
          ctx.strokeStyle = "#fff";
          ctx.stroke();
          ctx.fillStyle = dark;
          ctx.fill();
        }
      }
    }
    // Tick labels at the corners.
    const [x0, x1, y0, y1] = this.bounds;
    ctx.fillStyle = "rgba(0,0,0,0.55)";
    ctx.font = "10px ui-monospace, monospace";
    ctx.textBaseline = "bottom";
    ctx.textAlign = "left";
    ctx.fillText(`x ${fmt(x0, 2)}`, 4, h - 3);
    ctx.textAlign = "right";
    ctx.fillText(`${fmt(x1, 2)}`, w - 4, h - 3);
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    ctx.fillText(`y ${fmt(y1, 2)}`, 4, 3);
  },

  drawLoss() {
    const { ctx, w, h } = setupCanvas($("loss-curve"), this.neuronLayout?.avail || 420, 130);
    ctx.fillStyle = "#fbfcfd";
    ctx.fillRect(0, 0, w, h);
    const hist = this.history;
    const left = 38, right = 8, top = 8, bottom = 18;
    const pw = w - left - right, ph = h - top - bottom;
    let lo = Infinity, hi = -Infinity;
    for (const p of hist) {
      for (const v of [p.train, p.test]) {
        if (v > 0 && Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!Number.isFinite(lo)) { lo = 0.01; hi = 1; }
    let llo = Math.floor(Math.log10(lo) * 2) / 2, lhi = Math.ceil(Math.log10(hi) * 2) / 2;
    if (lhi - llo < 0.5) lhi = llo + 0.5;
    const maxStep = Math.max(1, hist.length ? hist[hist.length - 1].step : 1);
    const minStep = hist.length ? hist[0].step : 0;
    const X = (s) => left + ((s - minStep) / Math.max(1, maxStep - minStep)) * pw;
    const Y = (v) => top + (1 - (Math.log10(Math.max(v, 1e-12)) - llo) / (lhi - llo)) * ph;
    // Grid at decades (and halves when the range is small).
    ctx.strokeStyle = "#e7eaee";
    ctx.fillStyle = "#667085";
    ctx.font = "10px ui-monospace, monospace";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.lineWidth = 1;
    const stepDec = lhi - llo > 2 ? 1 : 0.5;
    for (let e = Math.ceil(llo / stepDec) * stepDec; e <= lhi + 1e-9; e += stepDec) {
      const y = Y(10 ** e);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(w - right, y);
      ctx.stroke();
      ctx.fillText(fmt(10 ** e, 2), left - 4, y);
    }
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(`step ${minStep.toLocaleString("en-US")}`, left, h - 4);
    ctx.textAlign = "right";
    ctx.fillText(maxStep.toLocaleString("en-US"), w - right, h - 4);
    if (hist.length < 2) return;
    const line = (key, color, dash) => {
      ctx.beginPath();
      ctx.setLineDash(dash);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      hist.forEach((p, i) => (i ? ctx.lineTo(X(p.step), Y(p[key])) : ctx.moveTo(X(p.step), Y(p[key]))));
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line("test", "#e8590c", [5, 3]);
    line("train", "#1f6feb", []);
  },

  layoutNeurons() {
    const canvas = $("neuron-maps");
    const inner = canvas.parentElement.clientWidth - 32;
    const avail = inner > 0 ? Math.max(260, Math.floor(inner)) : 420;
    const gap = 4, labelH = 18, blockGap = 10;
    const layout = [];
    let y = 0;
    for (let l = 0; l < this.hiddenSizes.length; l++) {
      const n = this.hiddenSizes[l];
      // Largest tile (≤ 56 px) that fits all n in one row; below 22 px wrap into balanced rows.
      const minTile = 22;
      const rows = Math.max(1, Math.ceil((n * (minTile + gap)) / (avail + gap)));
      const cols = Math.ceil(n / rows);
      const tile = Math.max(minTile, Math.min(56, Math.floor((avail + gap) / cols) - gap));
      layout.push({ layer: l, n, tile, cols, y, labelY: y });
      y += labelH + rows * (tile + gap) + blockGap;
    }
    this.neuronLayout = { avail, gap, labelH, layout, height: Math.max(40, y) };
  },

  drawNeurons() {
    const L = this.neuronLayout;
    const { ctx, w, h } = setupCanvas($("neuron-maps"), L.avail, L.height);
    ctx.clearRect(0, 0, w, h);
    if (!this.hiddenSizes.length) {
      ctx.fillStyle = "#667085";
      ctx.font = "13px system-ui, sans-serif";
      ctx.fillText("No hidden layers: this is logistic regression.", 0, 20);
      return;
    }
    const res = NEURON_RES;
    const maps = this.model.neuronMaps(res);
    const cells = res * res;
    const tile = this.tileCanvas;
    tile.width = res;
    tile.height = res;
    const tctx = tile.getContext("2d");
    const img = tctx.createImageData(res, res);
    const d = img.data;
    const act = this.activation;
    ctx.imageSmoothingEnabled = true;
    let neuron = 0;
    for (const block of L.layout) {
      ctx.fillStyle = "#344054";
      ctx.font = "600 11.5px system-ui, sans-serif";
      ctx.textBaseline = "top";
      ctx.fillText(`Layer ${block.layer + 1} · ${block.n} neurons · ${act}`, 0, block.labelY + 2);
      for (let j = 0; j < block.n; j++, neuron++) {
        const base = neuron * cells;
        let max = 0;
        if (act === "relu") for (let c = 0; c < cells; c++) max = Math.max(max, maps[base + c]);
        for (let c = 0; c < cells; c++) {
          const v = maps[base + c];
          let t;
          if (act === "tanh") t = v;
          else if (act === "sigmoid") t = 2 * v - 1;
          else t = max > 0 ? v / max : 0;
          const [r, g, b] = diverging(t);
          d[4 * c] = r;
          d[4 * c + 1] = g;
          d[4 * c + 2] = b;
          d[4 * c + 3] = 255;
        }
        tctx.putImageData(img, 0, 0);
        const col = j % block.cols, row = Math.floor(j / block.cols);
        const x = col * (block.tile + L.gap);
        const y = block.y + L.labelH + row * (block.tile + L.gap);
        ctx.drawImage(tile, x, y, block.tile, block.tile);
        ctx.strokeStyle = "rgba(0,0,0,0.15)";
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 0.5, block.tile - 1, block.tile - 1);
      }
    }
  },
};

function wirePlayground() {
  const resetters = ["dataset", "noise", "train-fraction", "seed", "layers", "neurons", "activation"];
  for (const id of resetters) {
    $(id).addEventListener(id === "dataset" || id === "activation" ? "change" : "input", () => playground.reset());
  }
  for (const id of ["lr", "batch-size", "momentum"]) {
    $(id).addEventListener("input", () => playground.applyHyper());
    $(id).addEventListener("change", () => playground.applyHyper());
  }
  $("play").addEventListener("click", () => (playground.playing ? playground.pause() : playground.play()));
  $("step").addEventListener("click", () => {
    playground.pause();
    playground.stepFrame();
  });
  $("reset").addEventListener("click", () => playground.reset());
  document.addEventListener("keydown", (e) => {
    if (currentView !== "playground" || e.key !== " ") return;
    const tag = document.activeElement?.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "BUTTON" || tag === "TEXTAREA") return;
    e.preventDefault();
    playground.playing ? playground.pause() : playground.play();
  });
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (currentView === "playground" && playground.model) {
        playground.layoutNeurons();
        playground.drawNeurons();
      }
    }, 100);
  });
  onViewShown.playground = () => {
    if (playground.model) {
      playground.layoutNeurons();
      playground.drawNeurons();
    }
  };
  playground.reset();
}

// ═════════════════════════════ 2. Weights search ═════════════════════════════
const SURFACE_RES = 160;
const SURFACE_PX = 480;
const weights = {
  lab: null,
  kind: "line",
  names: ["w", "b"],
  bounds: null,
  surface: null,
  logMin: 0,
  logMax: 1,
  shift: 0,
  opt: null,
  points: null,
  labels: null,
  background: document.createElement("canvas"),
  start: null,
  path: null,
  shown: 0,
  raf: 0,
  hover: null,
  seed: 1,

  build() {
    this.stopAnimation();
    const kind = $("weights-kind").value;
    let lab;
    try {
      lab = new wasm.WeightsLab(kind, 100, kind === "line" ? 0.5 : 0.6, 7);
    } catch (e) {
      showInline("weights-error", `Could not build the weights lab: ${message(e)}`);
      return;
    }
    showInline("weights-error", "");
    this.lab?.free();
    this.lab = lab;
    this.kind = kind;
    this.names = lab.weightNames().split(",").map((s) => s.trim());
    this.bounds = Array.from(lab.bounds());
    this.opt = Array.from(lab.optimum());
    this.points = lab.points();
    this.labels = lab.labels();
    const [a, b, c, d] = this.bounds;
    this.surface = lab.surface(SURFACE_RES, a, b, c, d);
    let lo = Infinity, hi = -Infinity;
    for (const v of this.surface) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    lo = Math.min(lo, this.opt[2]);
    // Colour by log(loss - min + eps): detail near the optimum, three decades of range.
    this.shift = lo - Math.max((hi - lo) * 1e-3, 1e-9);
    this.logMin = Math.log(lo - this.shift);
    this.logMax = Math.log(hi - this.shift);
    this.renderBackground();
    this.path = null;
    this.start = null;
    $("weights-replay").disabled = true;
    $("weights-clear").disabled = true;
    const el = $("weights-path");
    el.dataset.state = "idle";
    for (const k of ["w0", "w1", "loss"]) delete el.dataset[k];
    el.dataset.optW0 = String(this.opt[0]);
    el.dataset.optW1 = String(this.opt[1]);
    el.dataset.optLoss = String(this.opt[2]);
    $("weights-formula").textContent = kind === "line"
      ? `y = w·x + b on ${this.points.length / 2} noisy points`
      : `p = σ(w1·x1 + w2·x2), bias 0, ${this.points.length / 2} points`;
    $("surface-caption").textContent = `${kind === "line" ? "Mean squared error" : "Binary cross-entropy"} over (${this.names.join(", ")})`;
    $("weights-data-caption").textContent = kind === "line"
      ? "Points (x, y) and the line y = w·x + b at the current weights (dashed: the optimum)."
      : "Two classes (x1, x2) and the boundary w1·x1 + w2·x2 = 0 at the current weights; the arrow points to class 1 (dashed: the optimum).";
    const batch = $("weights-batch");
    batch.max = String(this.points.length / 2);
    if (Number(batch.value) > Number(batch.max)) batch.value = batch.max;
    refreshOutputs();
    this.renderReadout();
    this.draw();
  },

  t(loss) {
    return Math.min(1, Math.max(0, (Math.log(Math.max(loss - this.shift, 1e-30)) - this.logMin) / (this.logMax - this.logMin)));
  },

  renderBackground() {
    const res = SURFACE_RES, s = this.surface;
    const off = this.background;
    off.width = res;
    off.height = res;
    const octx = off.getContext("2d");
    const img = octx.createImageData(res, res);
    const ts = new Float32Array(res * res);
    for (let i = 0; i < res * res; i++) {
      const t = this.t(s[i]);
      ts[i] = t;
      const [r, g, b] = viridis(t);
      img.data[4 * i] = r;
      img.data[4 * i + 1] = g;
      img.data[4 * i + 2] = b;
      img.data[4 * i + 3] = 255;
    }
    octx.putImageData(img, 0, 0);
    // Contour lines at 16 levels of the log loss, as segments in grid-cell coordinates.
    const levels = [];
    for (let k = 1; k < 16; k++) levels.push(k / 16);
    this.contours = contourSegments(ts, res, res, levels);
  },

  toCanvas(w0, w1) {
    const [a, b, c, d] = this.bounds;
    return [((w0 - a) / (b - a)) * SURFACE_PX, ((d - w1) / (d - c)) * SURFACE_PX];
  },
  fromCanvas(x, y) {
    const [a, b, c, d] = this.bounds;
    return [a + (x / SURFACE_PX) * (b - a), d - (y / SURFACE_PX) * (d - c)];
  },
  lossAt(w0, w1) {
    const [a, b, c, d] = this.bounds;
    const col = Math.floor(((w0 - a) / (b - a)) * SURFACE_RES);
    const row = Math.floor(((d - w1) / (d - c)) * SURFACE_RES);
    if (col < 0 || row < 0 || col >= SURFACE_RES || row >= SURFACE_RES) return NaN;
    return this.surface[row * SURFACE_RES + col];
  },

  draw() {
    const { ctx, w, h } = setupCanvas($("surface"), SURFACE_PX, SURFACE_PX);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(this.background, 0, 0, w, h);
    // Contours: grid cell centres map to canvas (i + 0.5) * w / res.
    const sc = w / SURFACE_RES;
    ctx.strokeStyle = "rgba(255,255,255,0.28)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    const seg = this.contours;
    for (let i = 0; i < seg.length; i += 4) {
      ctx.moveTo((seg[i] + 0.5) * sc, (seg[i + 1] + 0.5) * sc);
      ctx.lineTo((seg[i + 2] + 0.5) * sc, (seg[i + 3] + 0.5) * sc);
    }
    ctx.stroke();
    // Axes labels.
    const [a, b, c, d] = this.bounds;
    ctx.font = "11px ui-monospace, monospace";
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.textBaseline = "bottom";
    ctx.textAlign = "left";
    ctx.fillText(`${this.names[0]} ${fmt(a, 3)}`, 6, h - 4);
    ctx.textAlign = "right";
    ctx.fillText(`${this.names[0]} ${fmt(b, 3)} →`, w - 6, h - 4);
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(`↑ ${this.names[1]} ${fmt(d, 3)}`, 6, 5);
    ctx.textBaseline = "bottom";
    ctx.fillText(`${this.names[1]} ${fmt(c, 3)}`, 6, h - 18);

    // Optimum.
    const [ox, oy] = this.toCanvas(this.opt[0], this.opt[1]);
    ctx.lineWidth = 4;
    ctx.strokeStyle = "rgba(0,0,0,0.55)";
    const cross = () => {
      ctx.beginPath();
      ctx.moveTo(ox - 8, oy);
      ctx.lineTo(ox + 8, oy);
      ctx.moveTo(ox, oy - 8);
      ctx.lineTo(ox, oy + 8);
      ctx.stroke();
    };
    cross();
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#fff";
    cross();
    ctx.font = "600 11px system-ui, sans-serif";
    ctx.fillStyle = "#fff";
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.fillText("optimum", ox + 11, oy - 9);

    // Path so far.
    if (this.path && this.shown > 0) {
      const p = this.path;
      const n = Math.min(this.shown, p.length / 3);
      const trace = () => {
        ctx.beginPath();
        for (let i = 0; i < n; i++) {
          const [x, y] = this.toCanvas(p[3 * i], p[3 * i + 1]);
          i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
        }
        ctx.stroke();
      };
      ctx.lineJoin = "round";
      ctx.lineWidth = 4;
      ctx.strokeStyle = "rgba(0,0,0,0.5)";
      trace();
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#ff6b6b";
      trace();
      // Step dots when the path is short enough to read them.
      if (n <= 120) {
        ctx.fillStyle = "#ffd6d6";
        for (let i = 1; i < n; i++) {
          const [x, y] = this.toCanvas(p[3 * i], p[3 * i + 1]);
          ctx.fillRect(x - 1.25, y - 1.25, 2.5, 2.5);
        }
      }
      const [sx, sy] = this.toCanvas(p[0], p[1]);
      ctx.beginPath();
      ctx.arc(sx, sy, 5.5, 0, 2 * Math.PI);
      ctx.fillStyle = "#fff";
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#111";
      ctx.stroke();
      const [ex, ey] = this.toCanvas(p[3 * (n - 1)], p[3 * (n - 1) + 1]);
      ctx.beginPath();
      ctx.arc(ex, ey, 5, 0, 2 * Math.PI);
      ctx.fillStyle = "#ff6b6b";
      ctx.fill();
      ctx.strokeStyle = "#fff";
      ctx.stroke();
    }
    // Hover crosshair.
    if (this.hover) {
      const [hx, hy] = this.toCanvas(this.hover[0], this.hover[1]);
      ctx.strokeStyle = "rgba(255,255,255,0.6)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.arc(hx, hy, 4, 0, 2 * Math.PI);
      ctx.stroke();
    }
    this.drawData();
    this.drawLossPath();
  },

  current() {
    if (this.path && this.shown > 0) {
      const i = Math.min(this.shown, this.path.length / 3) - 1;
      return [this.path[3 * i], this.path[3 * i + 1]];
    }
    if (this.hover) return this.hover;
    return null;
  },

  drawData() {
    const { ctx, w, h } = setupCanvas($("weights-data"), 400, 300);
    ctx.fillStyle = "#fbfcfd";
    ctx.fillRect(0, 0, w, h);
    const p = this.points;
    const n = p.length / 2;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      x0 = Math.min(x0, p[2 * i]); x1 = Math.max(x1, p[2 * i]);
      y0 = Math.min(y0, p[2 * i + 1]); y1 = Math.max(y1, p[2 * i + 1]);
    }
    if (this.kind === "perceptron") {
      // Equal units on both axes so the boundary is drawn at right angles to the weights.
      const m = Math.max(Math.abs(x0), Math.abs(x1), Math.abs(y0), Math.abs(y1)) * 1.1;
      y0 = -m; y1 = m;
      x0 = (-m * w) / h; x1 = (m * w) / h;
    } else {
      const mx = (x1 - x0) * 0.08 || 1, my = (y1 - y0) * 0.12 || 1;
      x0 -= mx; x1 += mx; y0 -= my; y1 += my;
    }
    const X = (x) => ((x - x0) / (x1 - x0)) * w;
    const Y = (y) => ((y1 - y) / (y1 - y0)) * h;
    // Axes.
    ctx.strokeStyle = "#e2e5ea";
    ctx.lineWidth = 1;
    ctx.beginPath();
    if (x0 < 0 && x1 > 0) { ctx.moveTo(X(0), 0); ctx.lineTo(X(0), h); }
    if (y0 < 0 && y1 > 0) { ctx.moveTo(0, Y(0)); ctx.lineTo(w, Y(0)); }
    ctx.stroke();

    const model = (wv, color, dash, width) => {
      ctx.save();
      ctx.beginPath();
      ctx.rect(0, 0, w, h);
      ctx.clip();
      ctx.setLineDash(dash);
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      if (this.kind === "line") {
        const [a, b] = wv;
        ctx.moveTo(X(x0), Y(a * x0 + b));
        ctx.lineTo(X(x1), Y(a * x1 + b));
        ctx.stroke();
      } else {
        const [a, b] = wv;
        const norm = Math.hypot(a, b);
        if (norm > 1e-12) {
          // Boundary a·x1 + b·x2 = 0 is the line through the origin along (-b, a).
          const L = (x1 - x0) * 2;
          const ux = -b / norm, uy = a / norm;
          ctx.moveTo(X(-ux * L), Y(-uy * L));
          ctx.lineTo(X(ux * L), Y(uy * L));
          ctx.stroke();
          if (!dash.length) {
            // Arrow along the weight vector: the side the model calls class 1.
            const len = (x1 - x0) * 0.15;
            const ax = (a / norm) * len, ay = (b / norm) * len;
            ctx.setLineDash([]);
            ctx.beginPath();
            ctx.moveTo(X(0), Y(0));
            ctx.lineTo(X(ax), Y(ay));
            ctx.stroke();
            const ang = Math.atan2(-(Y(ay) - Y(0)), X(ax) - X(0));
            ctx.beginPath();
            ctx.moveTo(X(ax), Y(ay));
            ctx.lineTo(X(ax) - 8 * Math.cos(ang - 0.4), Y(ay) + 8 * Math.sin(ang - 0.4));
            ctx.lineTo(X(ax) - 8 * Math.cos(ang + 0.4), Y(ay) + 8 * Math.sin(ang + 0.4));
            ctx.closePath();
            ctx.fillStyle = color;
            ctx.fill();
          }
        }
      }
      ctx.restore();
    };
    // Points.
    for (let i = 0; i < n; i++) {
      const c = this.kind === "perceptron" ? CLASS_COLORS[this.labels[i] % CLASS_COLORS.length] : [80, 90, 110];
      ctx.beginPath();
      ctx.arc(X(p[2 * i]), Y(p[2 * i + 1]), 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = `rgba(${c[0] * 0.85},${c[1] * 0.85},${c[2] * 0.85},0.85)`;
      ctx.fill();
    }
    model([this.opt[0], this.opt[1]], "#98a2b3", [6, 4], 1.5);
    const cur = this.current();
    if (cur) model(cur, "#d92d20", [], 2.5);
    ctx.fillStyle = "#667085";
    ctx.font = "10px ui-monospace, monospace";
    ctx.textBaseline = "bottom";
    ctx.textAlign = "left";
    const xn = this.kind === "line" ? "x" : "x1", yn = this.kind === "line" ? "y" : "x2";
    ctx.fillText(`${xn} ${fmt(x0, 2)}…${fmt(x1, 2)}`, 4, h - 3);
    ctx.textBaseline = "top";
    ctx.fillText(`${yn} ${fmt(y0, 2)}…${fmt(y1, 2)}`, 4, 3);
  },

  drawLossPath() {
    const { ctx, w, h } = setupCanvas($("weights-loss"), 400, 110);
    ctx.fillStyle = "#fbfcfd";
    ctx.fillRect(0, 0, w, h);
    const left = 40, right = 6, top = 6, bottom = 16;
    ctx.font = "10px ui-monospace, monospace";
    ctx.fillStyle = "#667085";
    if (!this.path) {
      ctx.textBaseline = "middle";
      ctx.fillText("Click the surface to start.", left, h / 2);
      return;
    }
    const p = this.path, total = p.length / 3, n = Math.min(this.shown, total);
    let lo = this.opt[2], hi = lo;
    for (let i = 0; i < total; i++) hi = Math.max(hi, p[3 * i + 2]);
    const shift = lo - Math.max((hi - lo) * 1e-3, 1e-9);
    const L = (v) => Math.log(v - shift);
    const Y = (v) => top + (1 - (L(v) - L(lo)) / Math.max(1e-12, L(hi) - L(lo))) * (h - top - bottom);
    const X = (i) => left + (i / Math.max(1, total - 1)) * (w - left - right);
    ctx.strokeStyle = "#98a2b3";
    ctx.setLineDash([5, 3]);
    ctx.beginPath();
    ctx.moveTo(left, Y(lo));
    ctx.lineTo(w - right, Y(lo));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText(fmt(hi, 3), left - 4, Y(hi));
    ctx.fillText(fmt(lo, 3), left - 4, Y(lo));
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText("step 0", left, h - 3);
    ctx.textAlign = "right";
    ctx.fillText(`${total - 1}`, w - right, h - 3);
    ctx.strokeStyle = "#d92d20";
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let i = 0; i < n; i++) (i ? ctx.lineTo(X(i), Y(p[3 * i + 2])) : ctx.moveTo(X(i), Y(p[3 * i + 2])));
    ctx.stroke();
  },

  renderReadout() {
    const el = $("weights-path");
    const [n0, n1] = this.names;
    const opt = this.opt;
    const cols = [];
    if (this.path) {
      const p = this.path, total = p.length / 3, i = Math.min(this.shown, total) - 1;
      cols.push(["start", p[0], p[1], p[2]]);
      cols.push([`step ${i}`, p[3 * i], p[3 * i + 1], p[3 * i + 2]]);
    }
    cols.push(["optimum", opt[0], opt[1], opt[2]]);
    const head = `<tr><th></th>${cols.map((c) => `<th>${c[0]}</th>`).join("")}</tr>`;
    const fixed = (x) => (Math.abs(x) < 1000 ? x.toFixed(3) : fmt(x, 4));
    const row = (label, k) => `<tr><th>${label}</th>${cols.map((c) => `<td>${fixed(c[k])}</td>`).join("")}</tr>`;
    el.innerHTML = `<table>${head}${row(n0, 1)}${row(n1, 2)}${row("loss", 3)}</table>` +
      (this.path
        ? `<p class="muted small" style="margin-top:6px">${Math.min(this.shown, this.path.length / 3) - 1} of ${this.path.length / 3 - 1} steps shown</p>`
        : `<p class="muted small" style="margin-top:6px">Click the loss surface to pick a starting point.</p>`);
  },

  descend(w0, w1) {
    this.stopAnimation();
    const lr = num("weights-lr");
    const batch = Math.round(num("weights-batch"));
    const steps = Math.round(num("weights-steps"));
    let path;
    try {
      path = this.lab.descend(w0, w1, lr, batch, steps, this.seed);
    } catch (e) {
      showInline("weights-error", message(e));
      return;
    }
    showInline("weights-error", "");
    this.start = [w0, w1];
    this.path = path;
    const total = path.length / 3;
    const el = $("weights-path");
    el.dataset.w0 = String(path[3 * (total - 1)]);
    el.dataset.w1 = String(path[3 * (total - 1) + 1]);
    el.dataset.loss = String(path[3 * (total - 1) + 2]);
    el.dataset.steps = String(total - 1);
    el.dataset.state = "running";
    $("weights-replay").disabled = false;
    $("weights-clear").disabled = false;
    // Reveal the path over about 1.5 s whatever its length.
    const perFrame = Math.max(1, Math.ceil(total / 90));
    this.shown = 1;
    const frame = () => {
      this.shown = Math.min(total, this.shown + perFrame);
      this.draw();
      this.renderReadout();
      if (this.shown < total) this.raf = requestAnimationFrame(frame);
      else {
        this.raf = 0;
        el.dataset.state = "done";
      }
    };
    this.draw();
    this.renderReadout();
    this.raf = requestAnimationFrame(frame);
  },

  stopAnimation() {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    if (this.path) {
      this.shown = this.path.length / 3;
      $("weights-path").dataset.state = "done";
    }
  },
};

function wireWeights() {
  const canvas = $("surface");
  const pos = (e) => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SURFACE_PX, ((e.clientY - r.top) / r.height) * SURFACE_PX];
  };
  canvas.addEventListener("pointerdown", (e) => {
    const [x, y] = pos(e);
    weights.descend(...weights.fromCanvas(x, y));
  });
  canvas.addEventListener("pointermove", (e) => {
    const [x, y] = pos(e);
    const wv = weights.fromCanvas(x, y);
    weights.hover = wv;
    $("weights-hover").textContent =
      `cursor: ${weights.names[0]} = ${fmt(wv[0], 3)}, ${weights.names[1]} = ${fmt(wv[1], 3)}, loss ≈ ${fmt(weights.lossAt(...wv), 4)}`;
    if (!weights.raf) weights.draw();
  });
  canvas.addEventListener("pointerleave", () => {
    weights.hover = null;
    $("weights-hover").textContent = "";
    if (!weights.raf) weights.draw();
  });
  $("weights-kind").addEventListener("change", () => weights.build());
  for (const id of ["weights-lr", "weights-batch", "weights-steps"]) {
    $(id).addEventListener("change", () => {
      if (weights.start) weights.descend(...weights.start);
    });
  }
  $("weights-replay").addEventListener("click", () => weights.start && weights.descend(...weights.start));
  $("weights-clear").addEventListener("click", () => {
    weights.stopAnimation();
    weights.path = null;
    weights.start = null;
    $("weights-path").dataset.state = "idle";
    $("weights-replay").disabled = true;
    $("weights-clear").disabled = true;
    weights.renderReadout();
    weights.draw();
  });
  weights.build();
}

// ═════════════════════════════ 3. Draw a digit ═════════════════════════════
const digit = {
  model: null,
  modelName: "",
  canvas: null,
  ctx: null,
  drawing: false,
  last: null,
  pending: 0,
  inked: false,

  clear() {
    const { ctx, canvas } = this;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    this.inked = false;
    this.showEmpty("Draw a digit");
    const p = $("prepared").getContext("2d");
    p.fillStyle = "#000";
    p.fillRect(0, 0, 28, 28);
  },

  showEmpty(text) {
    const el = $("digit-prediction");
    el.dataset.digit = "";
    el.dataset.ms = "";
    el.querySelector(".big-digit").textContent = "?";
    el.querySelector(".prediction-text").textContent = text;
    this.renderBars(null);
    $("digit-time").textContent = "";
  },

  renderBars(probs) {
    const bars = $("digit-probs");
    if (!bars.children.length) {
      for (let k = 0; k < 10; k++) {
        const row = document.createElement("div");
        row.className = "bar";
        row.setAttribute("role", "listitem");
        row.innerHTML = `<span class="digit">${k}</span><span class="track"><span class="fill"></span></span><span class="pct">–</span>`;
        bars.appendChild(row);
      }
    }
    let best = -1;
    if (probs) best = probs.indexOf(Math.max(...probs));
    for (let k = 0; k < 10; k++) {
      const row = bars.children[k];
      const p = probs ? probs[k] : 0;
      row.classList.toggle("top", k === best);
      row.querySelector(".fill").style.width = `${(p * 100).toFixed(1)}%`;
      row.querySelector(".pct").textContent = probs ? `${(p * 100).toFixed(1)}%` : "–";
      row.dataset.p = String(p);
    }
  },

  pixels() {
    return new Uint8Array(this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height).data.buffer);
  },

  predictNow() {
    this.pending = 0;
    if (!this.model) return;
    if (!this.inked) return this.showEmpty("Draw a digit");
    const rgba = this.pixels();
    const t0 = performance.now();
    let prepared, probs;
    try {
      prepared = this.model.prepare(rgba, this.canvas.width, this.canvas.height);
      probs = this.model.predict(prepared);
    } catch (e) {
      const m = message(e);
      if (/no digit/i.test(m)) return this.showEmpty("Draw a digit");
      showInline("model-error", `Prediction failed: ${m}`);
      return;
    }
    const ms = performance.now() - t0;
    const p = $("prepared").getContext("2d");
    const img = p.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.max(0, Math.min(255, Math.round(prepared[i] * 255)));
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    p.putImageData(img, 0, 0);
    const arr = Array.from(probs);
    const best = arr.indexOf(Math.max(...arr));
    const el = $("digit-prediction");
    el.dataset.digit = String(best);
    el.dataset.ms = String(ms);
    el.querySelector(".big-digit").textContent = String(best);
    el.querySelector(".prediction-text").textContent = `${(arr[best] * 100).toFixed(1)}% sure`;
    $("digit-time").textContent = `prepare + predict took ${ms.toFixed(2)} ms in wasm`;
    this.renderBars(arr);
  },

  schedule() {
    if (!this.pending) this.pending = requestAnimationFrame(() => this.predictNow());
  },

  /** Median milliseconds of n prepare+predict runs on the current drawing. */
  timePredict(n = 20) {
    if (!this.model) throw new Error("no model loaded");
    const rgba = this.pixels();
    const times = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const x = this.model.prepare(rgba, this.canvas.width, this.canvas.height);
      this.model.predict(x);
      times.push(performance.now() - t0);
    }
    return median(times);
  },

  setModel(model, source) {
    this.model?.free();
    this.model = model;
    let desc = "";
    try {
      desc = model.describe();
    } catch (e) {
      desc = "(describe() failed)";
    }
    this.modelName = desc;
    const name = $("model-name");
    name.textContent = `${desc} — ${source}`;
    name.classList.add("model-ok");
    showInline("model-error", "");
    this.predictNow();
  },

  async loadDefault() {
    let resp;
    try {
      resp = await fetch("./model.safetensors", { cache: "no-store" });
    } catch (e) {
      throw new Error(`could not fetch ./model.safetensors: ${message(e)}`);
    }
    if (!resp.ok) {
      throw new Error(`could not fetch ./model.safetensors: HTTP ${resp.status} ${resp.statusText}. ` +
        "Build it with `bash web/build.sh` (or drop a model file here).");
    }
    const bytes = new Uint8Array(await resp.arrayBuffer());
    this.setModel(new wasm.DigitModel(bytes), `./model.safetensors, ${(bytes.length / 1e6).toFixed(1)} MB`);
  },

  async loadFile(file) {
    if (!file) return;
    if (!/\.safetensors$/i.test(file.name)) {
      showInline("model-error", `Expected a .safetensors file, found "${file.name}". ` +
        (this.model ? "Kept the current model." : ""));
      return;
    }
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      this.setModel(new wasm.DigitModel(bytes), `${file.name}, ${(bytes.length / 1e6).toFixed(1)} MB`);
    } catch (e) {
      showInline("model-error", `Could not load "${file.name}": ${message(e)}` +
        (this.model ? "\nKept the current model." : ""));
    }
  },
};

function wireDigit() {
  const canvas = $("draw");
  digit.canvas = canvas;
  digit.ctx = canvas.getContext("2d", { willReadFrequently: true });
  const ctx = digit.ctx;
  digit.clear();
  const pos = (e) => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * canvas.width, ((e.clientY - r.top) / r.height) * canvas.height];
  };
  const pen = () => {
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = 18;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
  };
  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 && e.pointerType === "mouse") return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    digit.drawing = true;
    const [x, y] = pos(e);
    pen();
    ctx.beginPath();
    ctx.arc(x, y, 9, 0, 2 * Math.PI);
    ctx.fill();
    digit.last = [x, y];
    digit.inked = true;
    digit.schedule();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!digit.drawing) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    pen();
    ctx.beginPath();
    ctx.moveTo(...digit.last);
    for (const ev of events.length ? events : [e]) {
      const p = pos(ev);
      ctx.lineTo(...p);
      digit.last = p;
    }
    ctx.stroke();
    digit.schedule();
  });
  const end = () => {
    if (!digit.drawing) return;
    digit.drawing = false;
    digit.schedule();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  $("clear").addEventListener("click", () => digit.clear());

  // Drop a model anywhere on the view (and never let the browser navigate to a dropped file).
  const section = $("digit");
  let depth = 0;
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  section.addEventListener("dragenter", (e) => {
    e.preventDefault();
    depth++;
    section.classList.add("dragging");
  });
  section.addEventListener("dragover", (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
  });
  section.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) section.classList.remove("dragging");
  });
  section.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    section.classList.remove("dragging");
    const file = e.dataTransfer?.files?.[0];
    if (file) digit.loadFile(file);
  });
  $("model-file").addEventListener("change", (e) => {
    digit.loadFile(e.target.files?.[0]);
    e.target.value = "";
  });
  digit.renderBars(null);
}

// ═════════════════════════════ start ═════════════════════════════
async function start() {
  refreshOutputs();
  try {
    wasm = await import("./pkg/web.js");
    await wasm.default();
  } catch (e) {
    $("engine").textContent = "wasm missing";
    body.dataset.ready = "error";
    throw new Error(`Could not load the WebAssembly module ./pkg/web.js: ${message(e)}\n` +
      "Build it with `bash web/build.sh`, then serve web/site/ with any static server.");
  }
  let simd = "unknown";
  try {
    simd = wasm.simd();
  } catch { /* older module */ }
  $("engine").textContent = `wasm · ${simd}`;
  const initial = location.hash.slice(1);
  showView(VIEWS.includes(initial) ? initial : "playground");
  wirePlayground();
  wireWeights();
  wireDigit();
  let modelLoaded = false;
  try {
    await digit.loadDefault();
    modelLoaded = true;
  } catch (e) {
    $("model-name").textContent = "no model loaded";
    showInline("model-error", message(e));
  }
  body.dataset.model = modelLoaded ? "1" : "0";
  body.dataset.ready = "1";
  return { simd, model: modelLoaded };
}

const ready = start();
ready.catch((e) => showPageError(message(e)));

window.webLabs = {
  ready,
  get simd() {
    try {
      return wasm ? wasm.simd() : undefined;
    } catch {
      return undefined;
    }
  },
  /** Times `steps` full-batch steps of the six-donuts 2-16-16-6 benchmark network in wasm. */
  benchmark(steps = 2000) {
    const seconds = wasm.Playground.benchmark(steps);
    return { steps, seconds, stepsPerSecond: steps / seconds, stepsPerFrame: steps / seconds / 60 };
  },
  timePredict: (n = 20) => digit.timePredict(n),
  playground,
  weights,
  digit,
};

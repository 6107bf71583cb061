// Browser test of the web page (issue #15), in headless Chromium through playwright-core.
//
//   (cd web/test && npm ci) && node web/test/browser.mjs
//
// Needs the built site (`bash web/build.sh` writes web/site/pkg/ and web/site/model.safetensors)
// and Chromium at $CHROMIUM or /usr/bin/chromium. Writes docs/img/web-{playground,weights,digit}.png.
// Environment: WEB_SITE_DIR (default web/site), WEB_IMG_DIR (default docs/img), CHROMIUM.
// Prints one `RESULT lab=web ...` line; exits 1 with the reasons on any failure.
import { chromium } from "playwright-core";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./serve.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const site = resolve(process.env.WEB_SITE_DIR || join(repo, "web", "site"));
const imgDir = resolve(process.env.WEB_IMG_DIR || join(repo, "docs", "img"));
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

// The issue's speed targets; CI loosens them (WEB_MIN_STEPS_PER_FRAME, WEB_MAX_DIGIT_MS) to
// regression guards, since a shared machine's timings are noisy; the figures are printed anyway.
const THRESH = {
  xor: 0.95,
  sixDonuts: 0.9,
  stepsPerFrame: Number(process.env.WEB_MIN_STEPS_PER_FRAME || 20),
  digitMs: Number(process.env.WEB_MAX_DIGIT_MS || 5),
};
const failures = [];
const result = {
  xor_test_accuracy: NaN,
  six_donuts_test_accuracy: NaN,
  six_donuts_seconds: NaN,
  steps_per_frame: NaN,
  digit_ms: NaN,
  digit_7: "none",
  digit_0: "none",
};
const t0 = Date.now();
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s]`, ...a);
function fail(msg) {
  failures.push(msg);
  console.log(`FAIL: ${msg}`);
}
function check(ok, msg) {
  if (!ok) fail(msg);
  return ok;
}
const f = (x, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

for (const [file, hint] of [
  [join(site, "index.html"), "the page"],
  [join(site, "pkg", "web.js"), "the wasm package: run `bash web/build.sh`"],
  [join(site, "pkg", "web_bg.wasm"), "the wasm binary: run `bash web/build.sh`"],
  [join(site, "model.safetensors"), "the digit model: run `bash web/build.sh` (or --model FILE)"],
]) {
  if (!existsSync(file)) {
    console.log(`FAIL: missing ${file} (${hint})`);
    process.exit(1);
  }
}
if (!existsSync(executablePath)) {
  console.log(`FAIL: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM)`);
  process.exit(1);
}

const server = await serve(site, 0);
log(`serving ${site} at ${server.url}`);
let browser;
try {
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
} catch (e) {
  console.log(`FAIL: could not launch Chromium at ${executablePath}: ${e.message}`);
  await server.close();
  process.exit(1);
}
log(`chromium ${browser.version()}`);
const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
const pageErrors = [];
page.on("pageerror", (e) => {
  pageErrors.push(e.message);
  log(`page error: ${e.message}`);
});
page.on("console", (m) => {
  if (m.type() === "error") log(`console error: ${m.text()}`);
});

/** Sets an input's value as a user would (input + change events). */
async function setControl(id, value) {
  await page.evaluate(
    ([id, value]) => {
      const el = document.getElementById(id);
      if (!el) throw new Error(`no #${id} on the page`);
      el.value = String(value);
      if (el.value !== String(value)) throw new Error(`#${id} did not take the value ${value} (has ${el.value})`);
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    },
    [id, value],
  );
}
const dataValue = (sel, key = "value") =>
  page.evaluate(([sel, key]) => document.querySelector(sel)?.dataset[key], [sel, key]);

async function shot(name) {
  mkdirSync(imgDir, { recursive: true });
  const path = join(imgDir, name);
  await page.screenshot({ path });
  log(`screenshot ${path}`);
}

/** Plays until #test-accuracy ≥ threshold; returns {accuracy, seconds, steps} (pauses after). */
async function trainUntil(label, threshold, timeoutMs = 30000) {
  await page.click("#reset");
  const started = Date.now();
  await page.click("#play");
  let reached = null;
  try {
    // Resolves to the accuracy and step count of the first frame at or over the threshold.
    const handle = await page.waitForFunction(
      (t) => {
        const a = Number(document.getElementById("test-accuracy").dataset.value);
        return a >= t && { accuracy: a, steps: Number(document.getElementById("step-count").dataset.value) };
      },
      threshold,
      { timeout: timeoutMs, polling: "raf" },
    );
    reached = await handle.jsonValue();
  } catch {
    reached = null;
  }
  const seconds = (Date.now() - started) / 1000;
  const accuracy = reached ? reached.accuracy : Number(await dataValue("#test-accuracy"));
  const steps = reached ? reached.steps : Number(await dataValue("#step-count"));
  if ((await page.textContent("#play")).trim() === "Pause") await page.click("#play");
  const err = await page.evaluate(() => {
    const e = document.getElementById("pg-error");
    return e.hidden ? "" : e.textContent;
  });
  log(`${label}: test accuracy ${f(accuracy)} after ${f(seconds, 1)} s, ${steps} steps` +
    ` (${f(steps / seconds, 0)} steps/s)${err ? `; page says: ${err}` : ""}`);
  check(reached, `${label}: test accuracy ${f(accuracy)} < ${threshold} after ${timeoutMs / 1000} s (${steps} steps)` +
    (err ? `; the page says: ${err}` : ""));
  return { accuracy, seconds, steps };
}

async function stroke(points, box) {
  await page.mouse.move(box.x + points[0][0], box.y + points[0][1]);
  await page.mouse.down();
  for (let i = 1; i < points.length; i++) {
    await page.mouse.move(box.x + points[i][0], box.y + points[i][1], { steps: 4 });
  }
  await page.mouse.up();
}

async function drawDigit(name, strokes) {
  await page.click("#clear");
  const box = await page.locator("#draw").boundingBox();
  const sx = box.width / 280, sy = box.height / 280;
  for (const s of strokes) await stroke(s.map(([x, y]) => [x * sx, y * sy]), box);
  await page.waitForFunction(() => document.getElementById("digit-prediction").dataset.digit !== "", null, {
    timeout: 5000,
  });
  // One more frame so the throttled prediction has seen the last move.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const digit = await dataValue("#digit-prediction", "digit");
  const ms = Number(await dataValue("#digit-prediction", "ms"));
  const probs = await page.evaluate(() =>
    [...document.querySelectorAll("#digit-probs .bar")].map((b) => Number(b.dataset.p)));
  // Warm up first: V8 runs new wasm code in its baseline compiler until it tiers up.
  await page.evaluate(() => window.webLabs.timePredict(30));
  const median = await page.evaluate(() => window.webLabs.timePredict(25));
  log(`digit ${name}: predicted ${digit} (p=${f(probs[Number(digit)], 3)}), live prepare+predict ${f(ms, 2)} ms,` +
    ` median of 25: ${f(median, 3)} ms`);
  return { digit, ms, median, probs };
}

try {
  await page.goto(server.url, { waitUntil: "load" });
  try {
    await page.waitForFunction(() => ["1", "error"].includes(document.body.dataset.ready), null, { timeout: 30000 });
  } catch {
    throw new Error("the page did not set body[data-ready] within 30 s");
  }
  const ready = await page.evaluate(() => document.body.dataset.ready);
  if (ready !== "1") {
    const banner = await page.textContent("#page-error");
    throw new Error(`the page failed to start: ${banner}`);
  }
  const simd = await page.evaluate(() => window.webLabs.simd);
  log(`page ready (wasm ${simd}; model ${await page.textContent("#model-name")})`);

  // ── 1. Playground ─────────────────────────────────────────────────────────
  try {
    await page.click("#tab-playground");
    await page.selectOption("#dataset", "xor");
    await setControl("noise", "0.1");
    await setControl("train-fraction", "0.5");
    await setControl("layers", "2");
    await setControl("neurons", "8");
    await page.selectOption("#activation", "tanh");
    await setControl("lr", "0.03");
    await setControl("batch-size", "32");
    await setControl("momentum", "0.9");
    await setControl("steps-per-frame", "20");
    const xor = await trainUntil("xor", THRESH.xor);
    result.xor_test_accuracy = xor.accuracy;

    await page.selectOption("#dataset", "six-donuts");
    await setControl("neurons", "16");
    const six = await trainUntil("six donuts", THRESH.sixDonuts);
    result.six_donuts_test_accuracy = six.accuracy;
    result.six_donuts_seconds = six.seconds;
    // Let a few more frames run for a settled picture, then screenshot.
    await page.click("#play");
    await page.waitForTimeout(1500);
    await page.click("#play");
    await shot("web-playground.png");
  } catch (e) {
    fail(`playground: ${e.message}`);
  }

  // ── 2. Benchmark ──────────────────────────────────────────────────────────
  try {
    // Warm up, then the fastest of three runs (other processes on the machine only slow it down).
    await page.evaluate(() => window.webLabs.benchmark(200));
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await page.evaluate(() => window.webLabs.benchmark(1500)));
    log(`benchmark runs: ${runs.map((r) => `${f(r.stepsPerFrame, 1)}`).join(", ")} steps per frame`);
    const b = runs.reduce((x, y) => (y.seconds < x.seconds ? y : x));
    result.steps_per_frame = b.stepsPerFrame;
    log(`benchmark: ${b.steps} full-batch steps (six donuts, 1000 points, 2-16-16-6 tanh) in ${f(b.seconds, 3)} s` +
      ` = ${f(b.stepsPerSecond, 0)} steps/s = ${f(b.stepsPerFrame, 1)} steps per 1/60 s frame`);
    check(b.stepsPerFrame >= THRESH.stepsPerFrame,
      `benchmark: ${f(b.stepsPerFrame, 1)} steps per frame < ${THRESH.stepsPerFrame}`);
  } catch (e) {
    fail(`benchmark: ${e.message}`);
  }

  // ── 3. Weights search ─────────────────────────────────────────────────────
  try {
    await page.click("#tab-weights");
    const clickAndWait = async (fx, fy) => {
      const box = await page.locator("#surface").boundingBox();
      await page.click("#surface", { position: { x: box.width * fx, y: box.height * fy } });
      await page.waitForFunction(() => document.getElementById("weights-path").dataset.state === "done", null, {
        timeout: 15000,
      });
      return page.evaluate(() => {
        const d = document.getElementById("weights-path").dataset;
        const n = (k) => Number(d[k]);
        return { w0: n("w0"), w1: n("w1"), loss: n("loss"), opt0: n("optW0"), opt1: n("optW1"), optLoss: n("optLoss") };
      });
    };
    // Perceptron: the path must at least go downhill.
    await page.selectOption("#weights-kind", "perceptron");
    await setControl("weights-lr", "0.5");
    await setControl("weights-steps", "200");
    const pc = await clickAndWait(0.15, 0.85);
    const pcStart = await page.evaluate(() => window.webLabs.weights.path[2]);
    log(`weights perceptron: loss ${f(pcStart)} -> ${f(pc.loss)} at (${f(pc.w0)}, ${f(pc.w1)});` +
      ` optimum (${f(pc.opt0)}, ${f(pc.opt1)}) loss ${f(pc.optLoss)}`);
    check(pc.loss < pcStart, `weights perceptron: the path did not lower the loss (${f(pcStart)} -> ${f(pc.loss)})`);

    // Line: full-batch gradient descent from a corner must end at the least-squares optimum.
    await page.selectOption("#weights-kind", "line");
    const maxBatch = await page.evaluate(() => document.getElementById("weights-batch").max);
    await setControl("weights-batch", maxBatch);
    await setControl("weights-lr", "0.1");
    await setControl("weights-steps", "300");
    const ln = await clickAndWait(0.12, 0.12);
    const tol = (o) => 0.05 * Math.abs(o) + 0.02;
    const d0 = Math.abs(ln.w0 - ln.opt0), d1 = Math.abs(ln.w1 - ln.opt1);
    log(`weights line: end (${f(ln.w0)}, ${f(ln.w1)}) loss ${f(ln.loss)}; optimum (${f(ln.opt0)}, ${f(ln.opt1)})` +
      ` loss ${f(ln.optLoss)}; |Δ| = (${f(d0)}, ${f(d1)}), tolerance (${f(tol(ln.opt0))}, ${f(tol(ln.opt1))})`);
    check(d0 <= tol(ln.opt0) && d1 <= tol(ln.opt1),
      `weights line: end (${f(ln.w0)}, ${f(ln.w1)}) is not within 5% + 0.02 of the optimum (${f(ln.opt0)}, ${f(ln.opt1)})`);
    await page.mouse.move(0, 0);
    await shot("web-weights.png");
  } catch (e) {
    fail(`weights search: ${e.message}`);
  }

  // ── 4. Draw a digit ───────────────────────────────────────────────────────
  try {
    await page.click("#tab-digit");
    const model = await page.evaluate(() => document.body.dataset.model);
    if (model !== "1") throw new Error(`no model loaded: ${await page.textContent("#model-error")}`);
    const seven = await drawDigit("7", [[[78, 62], [205, 62], [198, 80], [120, 232]]]);
    await shot("web-digit.png");
    const ellipse = [];
    for (let i = 0; i <= 48; i++) {
      const a = (i / 48) * 2 * Math.PI - Math.PI / 2;
      ellipse.push([140 + 58 * Math.cos(a), 140 + 88 * Math.sin(a)]);
    }
    const zero = await drawDigit("0", [ellipse]);
    result.digit_7 = seven.digit;
    result.digit_0 = zero.digit;
    result.digit_ms = Math.max(seven.median, zero.median);
    check(seven.digit === "7", `digit: drew a 7, the page predicted ${seven.digit}`);
    check(zero.digit === "0", `digit: drew a 0, the page predicted ${zero.digit}`);
    check(result.digit_ms < THRESH.digitMs,
      `digit: median prepare+predict ${f(result.digit_ms, 3)} ms ≥ ${THRESH.digitMs} ms`);

    // A broken file dropped on the view: the error shows in the page and the model stays.
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new TextEncoder().encode("this is not a safetensors file")], "broken.safetensors"));
      const target = document.getElementById("prepared");
      for (const type of ["dragenter", "dragover", "drop"]) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }
    });
    await page.waitForFunction(() => !document.getElementById("model-error").hidden, null, { timeout: 5000 });
    const shown = (await page.textContent("#model-error")).trim();
    log(`broken model file dropped: the page says "${shown.replace(/\s+/g, " ")}"`);
    check(/broken\.safetensors/.test(shown), `digit: the error for a broken file does not name it: "${shown}"`);
    const still = await page.evaluate(() => window.webLabs.timePredict(1));
    check(Number.isFinite(still), "digit: the previous model is gone after a broken drop");
    // The real model picked through the file input replaces the fetched one.
    await page.setInputFiles("#model-file", join(site, "model.safetensors"));
    await page.waitForFunction(() => document.getElementById("model-error").hidden, null, { timeout: 10000 });
    const name = await page.textContent("#model-name");
    log(`model from the file input: ${name}`);
    check(name.includes("model.safetensors"), `digit: the model name does not show the picked file: "${name}"`);
    const again = await dataValue("#digit-prediction", "digit");
    check(again === zero.digit, `digit: after reloading the same model the 0 reads as ${again}, before as ${zero.digit}`);
  } catch (e) {
    fail(`draw a digit: ${e.message}`);
  }

  const banner = await page.evaluate(() => {
    const e = document.getElementById("page-error");
    return e.hidden ? "" : e.textContent;
  });
  check(!banner, `the page shows an error: ${banner}`);
  check(pageErrors.length === 0, `uncaught page errors: ${pageErrors.join(" | ")}`);
} catch (e) {
  fail(e.message);
} finally {
  await browser.close();
  await server.close();
}

// The RESULT line comes last, as in every lab, so `.ci/check_result.py` finds it.
const r = result;
if (failures.length) {
  console.log(`web browser test: ${failures.length} failure(s):`);
  for (const m of failures) console.log(`  - ${m}`);
} else {
  log("web browser test: all checks passed");
}
console.log(
  `RESULT lab=web xor_test_accuracy=${f(r.xor_test_accuracy)} six_donuts_test_accuracy=${f(r.six_donuts_test_accuracy)}` +
    ` six_donuts_seconds=${f(r.six_donuts_seconds, 2)} steps_per_frame=${f(r.steps_per_frame, 1)}` +
    ` digit_ms=${f(r.digit_ms, 3)} digit_7=${r.digit_7} digit_0=${r.digit_0}`,
);
process.exit(failures.length ? 1 : 0);

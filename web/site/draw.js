// Drawing helpers: colours, canvas sizing, number formatting, contour lines. No learning here.

/** Class colours (RGB): orange, blue, green, purple, red, teal. */
export const CLASS_COLORS = [
  [245, 147, 34],
  [8, 119, 189],
  [46, 160, 67],
  [137, 87, 229],
  [214, 51, 108],
  [16, 163, 163],
];

/** Viridis, polynomial fit (dark purple at 0, yellow at 1). Returns [r, g, b] in 0..255. */
export function viridis(t) {
  t = Math.min(1, Math.max(0, t));
  const c = [
    [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
    [0.1050930431085774, 1.404613529898575, 1.384590162594685],
    [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
    [-4.634230498983486, -5.799100973351585, -19.33244095627987],
    [6.228269936347081, 14.17993336680509, 56.69055260068105],
    [4.776384997670288, -13.74514537774601, -65.35303263337234],
    [-5.435455855934631, 4.645852612178535, 26.3124352495832],
  ];
  const out = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    let v = c[6][k];
    for (let i = 5; i >= 0; i--) v = v * t + c[i][k];
    out[k] = Math.round(255 * Math.min(1, Math.max(0, v)));
  }
  return out;
}

const NEG = [47, 111, 176];
const POS = [232, 89, 12];
/** t in [-1, 1]: blue (low) through white (0) to orange (high). */
export function diverging(t) {
  t = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const c = t < 0 ? NEG : POS;
  const a = Math.abs(t);
  return [255 + (c[0] - 255) * a, 255 + (c[1] - 255) * a, 255 + (c[2] - 255) * a];
}

/** Sizes a canvas to cssW×cssH CSS pixels at the device pixel ratio; returns a context in CSS pixels. */
export function setupCanvas(canvas, cssW, cssH) {
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const W = Math.round(cssW * dpr), H = Math.round(cssH * dpr);
  if (canvas.width !== W || canvas.height !== H) {
    canvas.width = W;
    canvas.height = H;
  }
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w: cssW, h: cssH };
}

/** A number with `digits` significant digits, without exponent noise for ordinary ranges. */
export function fmt(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-4) return x.toExponential(Math.max(0, digits - 1));
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  return x.toFixed(Math.min(decimals, 8));
}

export function fmtPct(x) {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "–";
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/**
 * Marching squares over a w×h grid of values (row-major). Returns a flat array of segments
 * [x0, y0, x1, y1, ...] in grid coordinates (cell centre (c, r) is at (c, r)).
 */
export function contourSegments(values, w, h, levels) {
  const out = [];
  for (const level of levels) {
    for (let r = 0; r + 1 < h; r++) {
      for (let c = 0; c + 1 < w; c++) {
        const tl = values[r * w + c], tr = values[r * w + c + 1];
        const br = values[(r + 1) * w + c + 1], bl = values[(r + 1) * w + c];
        const idx = (tl > level ? 8 : 0) | (tr > level ? 4 : 0) | (br > level ? 2 : 0) | (bl > level ? 1 : 0);
        if (idx === 0 || idx === 15) continue;
        const lerp = (a, b) => (Math.abs(b - a) < 1e-12 ? 0.5 : (level - a) / (b - a));
        const top = () => [c + lerp(tl, tr), r];
        const right = () => [c + 1, r + lerp(tr, br)];
        const bottom = () => [c + lerp(bl, br), r + 1];
        const left = () => [c, r + lerp(tl, bl)];
        const seg = (p, q) => out.push(p[0], p[1], q[0], q[1]);
        switch (idx) {
          case 1: case 14: seg(left(), bottom()); break;
          case 2: case 13: seg(bottom(), right()); break;
          case 3: case 12: seg(left(), right()); break;
          case 4: case 11: seg(top(), right()); break;
          case 6: case 9: seg(top(), bottom()); break;
          case 7: case 8: seg(left(), top()); break;
          case 5: seg(left(), top()); seg(bottom(), right()); break;
          case 10: seg(top(), right()); seg(left(), bottom()); break;
        }
      }
    }
  }
  return out;
}

import test from 'ava';
import type { Mask, Size } from '../src/mask.js';
import { rngFor } from '@bgfill/core';
import {
  silhouetteLayout,
  silhouetteSchema,
  silhouetteStrategy,
  type SilhouetteConfig,
} from '../src/strategies/silhouette.js';

const SIZE = { width: 256, height: 256 };
const config = (extra: Record<string, unknown> = {}): SilhouetteConfig =>
  silhouetteSchema.parse({ strategy: 'silhouette', ...extra });

/** Number of 8-connected components of the hole, by an explicit-stack flood fill. */
function components(mask: Mask): number {
  const { width, height, data } = mask;
  const seen = new Uint8Array(data.length);
  const stack: number[] = [];
  let count = 0;
  for (let start = 0; start < data.length; start++) {
    if (!data[start] || seen[start]) continue;
    count++;
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (data[q] && !seen[q]) {
            seen[q] = 1;
            stack.push(q);
          }
        }
      }
    }
  }
  return count;
}

function stats(mask: Mask) {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let x0 = Infinity;
  let x1 = -1;
  let y0 = Infinity;
  let y1 = -1;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (!mask.data[y * mask.width + x]) continue;
      n++;
      sx += x + 0.5;
      sy += y + 0.5;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return { n, cx: sx / n, cy: sy / n, width: x1 - x0 + 1, height: y1 - y0 + 1, top: y0, bottom: y1 };
}

/** Runs of hole pixels in one row. */
function runs(mask: Mask, y: number): number {
  let r = 0;
  for (let x = 0; x < mask.width; x++) if (mask.data[y * mask.width + x] && (x === 0 || !mask.data[y * mask.width + x - 1])) r++;
  return r;
}

test('every pose gives one non-empty 8-connected shape inside the image, also dilated and on other sizes', (t) => {
  const cases: Array<[Size, SilhouetteConfig]> = [
    [SIZE, config({ pose: 'standing' })],
    [SIZE, config({ pose: 'walking' })],
    [SIZE, config({ pose: 'any' })],
    [SIZE, config({ pose: 'any', dilate: 4 })],
    [{ width: 160, height: 96 }, config({ pose: 'any' })],
    [{ width: 96, height: 160 }, config({ pose: 'any', jitter: 0.05 })],
  ];
  for (const [size, c] of cases) {
    for (let i = 0; i < 60; i++) {
      const mask = silhouetteStrategy.generate(size, c, rngFor('sil-conn', i));
      t.is(mask.data.length, size.width * size.height);
      const s = stats(mask);
      t.true(s.n > 0, 'non-empty');
      t.is(components(mask), 1, `${size.width}×${size.height} ${c.pose} dilate ${c.dilate} seed ${i}`);
    }
  }
});

test('standing and walking people are taller than wide; a standing one is as tall as its stature', (t) => {
  for (const pose of ['standing', 'walking'] as const) {
    for (let i = 0; i < 150; i++) {
      const rng = () => rngFor('sil-tall', pose, i);
      const layout = silhouetteLayout(SIZE, config({ pose }), rng());
      const s = stats(silhouetteStrategy.generate(SIZE, config({ pose }), rng()));
      t.true(s.height > s.width, `${pose} seed ${i}: ${s.width}×${s.height}`);
      if (pose === 'standing') {
        // Top of head at `top`; the feet reach ~2 % of stature below the ankles' floor line.
        t.true(Math.abs(s.top - layout.top) <= 1, `top ${s.top} vs ${layout.top}`);
        t.true(Math.abs(s.height - layout.stature) <= 0.05 * layout.stature + 2, `height ${s.height} vs ${layout.stature}`);
      }
    }
  }
});

test('stature follows the person-box law from the first normal draw, never below minHeight', (t) => {
  for (let i = 0; i < 200; i++) {
    const z = rngFor('sil-law', i).normal();
    const H = Math.trunc(Math.min((Math.abs(z) / 3) * 128, 128));
    const loose = silhouetteLayout(SIZE, config({ minHeight: 0.05 }), rngFor('sil-law', i));
    t.is(loose.stature, Math.max(256 - 2 * H, 0.05 * 256));
    const clamped = silhouetteLayout(SIZE, config(), rngFor('sil-law', i));
    t.is(clamped.stature, Math.max(256 - 2 * H, 0.3 * 256));
    t.true(clamped.top >= 0 && clamped.top + clamped.stature <= 256, 'centred, so the body fits the height');
  }
});

test('proportions: head about 0.09 of stature wide, legs apart above the ankles (standing)', (t) => {
  for (let i = 0; i < 80; i++) {
    const rng = () => rngFor('sil-prop', i);
    const layout = silhouetteLayout(SIZE, config({ pose: 'standing' }), rng());
    const mask = silhouetteStrategy.generate(SIZE, config({ pose: 'standing' }), rng());
    const S = layout.stature;
    // Widest row of the head, measured within the top tenth of the stature (above the shoulders at 0.82 S).
    let headWidth = 0;
    for (let y = Math.ceil(layout.top); y < layout.top + 0.1 * S; y++) {
      let w = 0;
      for (let x = 0; x < 256; x++) w += mask.data[y * 256 + x];
      headWidth = Math.max(headWidth, w);
    }
    t.true(Math.abs(headWidth - 0.09 * S) <= 2, `head ${headWidth} px for stature ${S}`);
    // At 15 % of stature above the soles (mid-shin) the two legs are separate.
    const shinRow = Math.floor(layout.top + S - 0.15 * S);
    t.is(runs(mask, shinRow), 2, `seed ${i}: legs at row ${shinRow}`);
  }
});

test('the centroid sits near the image centre on average; jitter spreads it', (t) => {
  const mean = (c: SilhouetteConfig) => {
    let x = 0;
    let y = 0;
    const xs: number[] = [];
    for (let i = 0; i < 120; i++) {
      const s = stats(silhouetteStrategy.generate(SIZE, c, rngFor('sil-centre', i)));
      x += s.cx;
      y += s.cy;
      xs.push(s.cx);
    }
    const mx = x / 120;
    return { x: mx, y: y / 120, sd: Math.sqrt(xs.reduce((a, v) => a + (v - mx) ** 2, 0) / 120) };
  };
  const still = mean(config());
  // The torso carries most of the area, so the centroid is a little above the middle of the body.
  t.true(Math.abs(still.x - 128) < 6, `mean x ${still.x}`);
  t.true(Math.abs(still.y - 128) < 0.1 * 256, `mean y ${still.y}`);
  const moved = mean(config({ jitter: 0.15 }));
  t.true(Math.abs(moved.x - 128) < 10, `mean x with jitter ${moved.x}`);
  t.true(moved.sd > still.sd + 10, `spread ${moved.sd} vs ${still.sd}`);
});

test('dilate grows the shape outwards only', (t) => {
  for (let i = 0; i < 20; i++) {
    const base = silhouetteStrategy.generate(SIZE, config(), rngFor('sil-dil', i));
    const halo = silhouetteStrategy.generate(SIZE, config({ dilate: 3 }), rngFor('sil-dil', i));
    let lost = 0;
    for (let p = 0; p < base.data.length; p++) if (base.data[p] && !halo.data[p]) lost++;
    t.is(lost, 0, 'the halo contains the body');
    t.true(stats(halo).n > stats(base).n * 1.1, 'and is visibly larger');
  }
});

test('determinism: same seed and path give identical bytes, different indices differ', (t) => {
  let same = 0;
  for (let i = 0; i < 50; i++) {
    const a = silhouetteStrategy.generate(SIZE, config(), rngFor(13, i));
    const b = silhouetteStrategy.generate(SIZE, config(), rngFor(13, i));
    t.is(Buffer.compare(a.data, b.data), 0, 'identical bytes');
    if (Buffer.compare(a.data, silhouetteStrategy.generate(SIZE, config(), rngFor(13, i + 1)).data) === 0) same++;
  }
  t.is(same, 0);
});

test('schema: defaults, strictness, errors name the field', (t) => {
  t.deepEqual(config(), { strategy: 'silhouette', pose: 'any', sigma: 1 / 3, minHeight: 0.3, jitter: 0, dilate: 0 });
  const paths = (input: unknown) => {
    const r = silhouetteSchema.safeParse(input);
    t.false(r.success, JSON.stringify(input));
    return r.error?.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.join() : i.path.join('.')));
  };
  t.deepEqual(paths({ strategy: 'silhouette', pose: 'sitting' }), ['pose']);
  t.deepEqual(paths({ strategy: 'silhouette', minHeight: 0 }), ['minHeight']);
  t.deepEqual(paths({ strategy: 'silhouette', dilate: -1 }), ['dilate']);
  t.deepEqual(paths({ strategy: 'silhouette', jitter: 2 }), ['jitter']);
  t.deepEqual(paths({ strategy: 'silhouette', arms: 3 }), ['arms']);
});

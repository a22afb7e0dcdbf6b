import test from 'ava';
import { readFileSync } from 'node:fs';
import { holeRatio } from '../src/mask.js';
import { rngFor } from '@bgfill/core';
import {
  IRREGULAR_PRESETS,
  IRREGULAR_PRESET_NAMES,
  drawIrregularPlan,
  irregularMask,
  irregularParams,
  irregularPlan,
  irregularSchema,
  irregularStrategy,
} from '../src/strategies/irregular.js';

const SIZE = { width: 256, height: 256 };

interface PresetStats {
  mean: number;
  sd: number;
  quartiles: [number, number, number];
}
/** Made by fixtures/irregular-lama/make_reference.py: LaMa's own generator (OpenCV drawing), 4,000 masks each. */
const reference = JSON.parse(
  readFileSync(new URL('./fixtures/irregular-lama/reference.json', import.meta.url), 'utf8'),
) as { presets: Record<string, PresetStats> };

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
}

test("each preset's hole-ratio distribution matches LaMa's generator (reference fixture)", (t) => {
  const N = 600;
  const means: Record<string, number> = {};
  for (const preset of IRREGULAR_PRESET_NAMES) {
    const config = irregularSchema.parse({ strategy: 'irregular', preset });
    const ratios: number[] = [];
    for (let i = 0; i < N; i++) ratios.push(holeRatio(irregularStrategy.generate(SIZE, config, rngFor('irr-ref', preset, i))));
    ratios.sort((a, b) => a - b);
    const mean = ratios.reduce((a, b) => a + b, 0) / N;
    const sd = Math.sqrt(ratios.reduce((a, r) => a + (r - mean) ** 2, 0) / N);
    const ref = reference.presets[preset];
    // Standard error of the difference of means ≈ 0.127·√(1/600 + 1/4000) ≈ 0.0056; allow about 4 of them.
    t.true(Math.abs(mean - ref.mean) < 0.022, `${preset}: mean ${mean.toFixed(4)} vs LaMa ${ref.mean}`);
    t.true(Math.abs(sd - ref.sd) < 0.02, `${preset}: sd ${sd.toFixed(4)} vs LaMa ${ref.sd}`);
    ref.quartiles.forEach((q, k) => {
      const mine = quantile(ratios, [0.25, 0.5, 0.75][k]);
      t.true(Math.abs(mine - q) < 0.04, `${preset}: quartile ${k + 1} ${mine.toFixed(4)} vs LaMa ${q}`);
    });
    t.true(ratios[N - 1] <= 0.5, 'masks over max_tamper_area are redrawn');
    t.true(ratios[0] > 0, 'empty masks are redrawn');
    means[preset] = mean;
  }
  // The presets rank by area as LaMa's do: thick and thin above medium. (Thin is not the smallest: its 4–50
  // narrow strokes cover more than medium's 4–5 wider ones; see the reference fixture.)
  const order = (m: Record<string, number>) => [...IRREGULAR_PRESET_NAMES].sort((a, b) => m[b] - m[a]);
  const refMeans = Object.fromEntries(IRREGULAR_PRESET_NAMES.map((p) => [p, reference.presets[p].mean]));
  t.deepEqual(order(means).indexOf('medium'), 2);
  t.deepEqual(order(refMeans).indexOf('medium'), 2);
});

test('stroke widths, lengths and counts stay within each preset; widths rank thick > medium > thin', (t) => {
  const meanWidth: Record<string, number> = {};
  for (const preset of IRREGULAR_PRESET_NAMES) {
    const p = IRREGULAR_PRESETS[preset];
    let sum = 0;
    let n = 0;
    for (let i = 0; i < 300; i++) {
      const plan = irregularPlan(SIZE, p, rngFor('irr-width', preset, i));
      t.true(plan.segments.length === 0 || plan.boxes.length === 0, 'strokes or boxes, not both');
      t.true(plan.segments.length <= p.strokes[1] * p.segments[1]);
      for (const s of plan.segments) {
        t.true(s.width >= p.width[0] * 256 && s.width <= p.width[1] * 256, `${preset}: width ${s.width}`);
        t.true(Math.hypot(s.x1 - s.x0, s.y1 - s.y0) <= p.length[1] * 256 + 1e-9);
        t.true(s.x1 >= 0 && s.x1 <= 256 && s.y1 >= 0 && s.y1 <= 256);
        sum += s.width;
        n++;
      }
      const margin = Math.round(p.boxMargin * 256);
      for (const b of plan.boxes) {
        t.true(b.width >= Math.round(p.boxSize[0] * 256) && b.width <= Math.round(p.boxSize[1] * 256));
        t.true(b.left >= margin && b.top >= margin && b.left + b.width <= 256 - margin && b.top + b.height <= 256 - margin);
      }
    }
    meanWidth[preset] = sum / n;
  }
  t.true(meanWidth.thick > meanWidth.medium && meanWidth.medium > meanWidth.thin, JSON.stringify(meanWidth));
  // LaMa's figures at 256 (5 + randint(100 | 50 | 10), plus 1.5 px for OpenCV's drawing): means 56, 31 and 11 px.
  t.true(Math.abs(meanWidth.thick - 56) < 4 && Math.abs(meanWidth.medium - 31) < 2 && Math.abs(meanWidth.thin - 11) < 1);
});

test("'lama' directions are LaMa's eight; 'uniform' ones are spread; overrides replace single figures", (t) => {
  const allowed = [0.01, 1.01, 2.01, 3.01].flatMap((a) => [a, 2 * Math.PI - a]);
  const p = irregularParams(irregularSchema.parse({ strategy: 'irregular', preset: 'thin', length: [0.1, 0.1], width: [0.05, 0.05] }));
  t.deepEqual(p.strokes, IRREGULAR_PRESETS.thin.strokes);
  t.deepEqual(p.width, [0.05, 0.05]);
  const dirs = (directions: 'lama' | 'uniform') => {
    const out: number[] = [];
    for (let i = 0; i < 40; i++) {
      for (const s of irregularPlan(SIZE, { ...p, directions }, rngFor('irr-dir', i)).segments) {
        t.is(s.width, 0.05 * 256);
        const len = Math.hypot(s.x1 - s.x0, s.y1 - s.y0);
        if (Math.abs(len - 25.6) > 1e-9) continue; // clamped at the border
        // LaMa's convention: x moves by sin a, y by cos a.
        out.push((Math.atan2(s.x1 - s.x0, s.y1 - s.y0) + 2 * Math.PI) % (2 * Math.PI));
      }
    }
    return out;
  };
  const lama = dirs('lama');
  t.true(lama.length > 500);
  t.true(lama.every((a) => allowed.some((b) => Math.abs(a - b) < 1e-9)));
  const uniform = dirs('uniform');
  t.true(uniform.filter((a) => !allowed.some((b) => Math.abs(a - b) < 1e-6)).length === uniform.length);
  // Spread: every octant of the circle is used.
  t.is(new Set(uniform.map((a) => Math.floor(a / (Math.PI / 4)))).size, 8);
});

test('the mask is the drawn plan; impossible area limits keep the least covering try', (t) => {
  for (let i = 0; i < 30; i++) {
    const { mask, plan } = irregularMask(SIZE, irregularSchema.parse({ strategy: 'irregular' }), rngFor('irr-plan', i));
    t.is(Buffer.compare(mask.data, drawIrregularPlan(SIZE, plan).data), 0);
  }
  const config = irregularSchema.parse({ strategy: 'irregular', preset: 'thick', maxHoleRatio: 0.001, maxTries: 5 });
  const p = irregularParams(config);
  for (let i = 0; i < 20; i++) {
    const rng = rngFor('irr-limit', i);
    const kept = holeRatio(irregularStrategy.generate(SIZE, config, rng));
    const tries = Array.from({ length: 5 }, (_, k) => holeRatio(drawIrregularPlan(SIZE, irregularPlan(SIZE, p, rng.derive('try', k)))));
    const nonEmpty = tries.filter((r) => r > 0);
    t.is(kept, nonEmpty.length > 0 ? Math.min(...nonEmpty) : 0);
  }
});

test('determinism: same seed and path give identical bytes, different indices differ', (t) => {
  for (const preset of IRREGULAR_PRESET_NAMES) {
    const config = irregularSchema.parse({ strategy: 'irregular', preset });
    let same = 0;
    for (let i = 0; i < 30; i++) {
      const a = irregularStrategy.generate(SIZE, config, rngFor(11, i));
      const b = irregularStrategy.generate(SIZE, config, rngFor(11, i));
      t.is(Buffer.compare(a.data, b.data), 0, 'identical bytes');
      if (Buffer.compare(a.data, irregularStrategy.generate(SIZE, config, rngFor(11, i + 1)).data) === 0) same++;
    }
    t.is(same, 0);
  }
});

test('schema: defaults, strictness, errors name the field', (t) => {
  t.deepEqual(irregularSchema.parse({ strategy: 'irregular' }), { strategy: 'irregular', preset: 'medium' });
  const paths = (input: unknown) => {
    const r = irregularSchema.safeParse(input);
    t.false(r.success, JSON.stringify(input));
    return r.error?.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.join() : i.path.join('.')));
  };
  t.deepEqual(paths({ strategy: 'irregular', preset: 'huge' }), ['preset']);
  t.deepEqual(paths({ strategy: 'irregular', width: [0.3, 0.1] }), ['width']);
  t.deepEqual(paths({ strategy: 'irregular', segments: [0, 3] }), ['segments.0']);
  t.deepEqual(paths({ strategy: 'irregular', maxHoleRatio: 0 }), ['maxHoleRatio']);
  t.deepEqual(paths({ strategy: 'irregular', directions: 'random' }), ['directions']);
  t.deepEqual(paths({ strategy: 'irregular', brush: 1 }), ['brush']);
});

// The classical fills on worker threads (src/classical/fill-threads.ts, fill-thread.mjs): the same bytes as the
// main thread's kernel whichever thread fills an image and in whatever order the fills finish, the shared pool's
// lifetime, and a closed pool's pending fills.
import test from 'ava';
import { BgfillError, rngFor } from '@bgfill/core';
import { borderMeanFill } from '../src/classical/border-mean.js';
import { fillKernel, type MarchingMethod } from '../src/classical/fill-kernel.js';
import type { FillTarget } from '../src/classical/fill-target.js';
import { acquireFillThreads, FillThreads } from '../src/classical/fill-threads.js';
import { classicalInpaint } from '../src/classical/inpaint.js';
import { classicalPredictor } from '../src/classical/predictor.js';
import type { RgbImage } from '../src/metrics/image.js';
import { fixtureCases, type FillCase } from './classical-cases.js';

type Case = FillCase;

async function cases(): Promise<Case[]> {
  const out: Case[] = await fixtureCases();
  const rng = rngFor('fill-threads-cases');
  for (let k = 0; k < 12; k++) {
    const width = rng.int(1, 90);
    const height = rng.int(1, 90);
    const data = Uint8Array.from({ length: width * height * 3 }, () => rng.int(0, 255));
    const hole = Uint8Array.from({ length: width * height }, () => (rng.chance(0.3) ? 1 : 0));
    out.push({ name: `random ${k} (${width}×${height})`, image: { data, width, height, channels: 3 }, mask: { data: hole, width, height } });
  }
  return out;
}

function target(c: Case): FillTarget {
  const t: FillTarget = { mask: c.mask, out: Uint8Array.from(c.image.data), width: c.image.width, height: c.image.height };
  borderMeanFill(t);
  return t;
}

test('fill threads give the main thread kernel\'s bytes, all fills in flight at once on two threads', async (t) => {
  const all = await cases();
  const threads = new FillThreads(2);
  try {
    const jobs = all.flatMap((c) =>
      (['telea', 'ns'] as MarchingMethod[]).flatMap((method) =>
        [1, 3, 8].map((radius) => {
          const threaded = target(c);
          const here = target(c);
          fillKernel().fill(method, here, radius);
          return { label: `${c.name} ${method} radius ${radius}`, before: target(c).out, threaded, here, done: threads.fill(method, threaded, radius) };
        }),
      ),
    );
    await Promise.all(jobs.map((j) => j.done));
    for (const j of jobs) t.deepEqual(j.threaded.out, j.here.out, j.label);
    // The fills did fill: most changed the border-mean pre-fill.
    t.true(jobs.filter((j) => !Buffer.from(j.here.out).equals(Buffer.from(j.before))).length > jobs.length / 2);
  } finally {
    await threads.close();
  }
});

test('a threaded classical predictor predicts what the plain one does; the shared pool lives while a predictor holds it', async (t) => {
  const all = (await cases()).slice(0, 6);
  const groups = new Map<string, Case[]>();
  for (const c of all) groups.set(`${c.image.width}×${c.image.height}`, [...(groups.get(`${c.image.width}×${c.image.height}`) ?? []), c]);
  for (const method of ['telea', 'ns', 'mean'] as const) {
    const threaded = classicalPredictor(method, 5, { threads: true });
    const plain = classicalPredictor(method, 5);
    try {
      for (const group of groups.values()) {
        const batch = { images: group.map((c) => c.image), masks: group.map((c) => c.mask) };
        t.deepEqual(await threaded.predict(batch), await plain.predict(batch), method);
        t.deepEqual(await threaded.predict(batch), group.map((c) => classicalInpaint(c.image, c.mask, { method, radius: 5 })), method);
      }
    } finally {
      threaded.dispose();
      plain.dispose();
    }
  }
  const a = acquireFillThreads();
  const b = acquireFillThreads();
  t.is(a.threads, b.threads);
  a.release();
  a.release(); // a second release of one hold changes nothing
  const c = acquireFillThreads();
  t.is(c.threads, b.threads);
  b.release();
  c.release();
  const d = acquireFillThreads();
  t.not(d.threads, b.threads, 'the last release closed the pool; a new hold gets a new one');
  d.release();
});

test('closing a pool rejects the fills still pending with a BgfillError', async (t) => {
  const [c] = await cases();
  const threads = new FillThreads(1);
  const pending = Array.from({ length: 4 }, () => threads.fill('telea', target(c), 30));
  await threads.close();
  const results = await Promise.allSettled(pending);
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  t.true(rejected.length > 0);
  for (const r of rejected) t.true(r.reason instanceof BgfillError);
});

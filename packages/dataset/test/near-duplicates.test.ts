// The 39 real photos of samples/scenes and copies derived from them with sharp: every copy must group with its photo
// (and carry the flags its damage calls for), and no two different photos may group.
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { groupNearDuplicates } from '../src/hash-groups.js';
import { analyseImage, DEFAULT_PROCESS_OPTIONS, type AnalysedImage } from '../src/process-image.js';
import { qualityFlags } from '../src/quality-policy.js';
import { orderedMap } from '../src/ordered-map.js';
import { DERIVED_COPIES } from './derived-copies.js';

const scenes = new URL('../../../samples/scenes/', import.meta.url);

interface Measured {
  readonly photo: string;
  readonly copy: string | null;
  readonly image: AnalysedImage;
}

/** As `bgfill dataset audit` measures a folder: the build's processing at 256, enlarging smaller images. */
const audit = { ...DEFAULT_PROCESS_OPTIONS, size: 256, minSize: 1, upscale: true };

test('derived copies group with their photo, blurred and enlarged ones are flagged, distinct photos never group', async (t) => {
  const photos = (await readdir(scenes)).filter((f) => f.endsWith('.jpg')).sort();
  t.is(photos.length, 39);
  const jobs: Array<{ photo: string; copy: string | null; bytes: () => Promise<Buffer> }> = [];
  for (const photo of photos) {
    const original = readFile(new URL(photo, scenes));
    jobs.push({ photo, copy: null, bytes: () => original });
    for (const [copy, d] of Object.entries(DERIVED_COPIES)) jobs.push({ photo, copy, bytes: async () => d.make(await original) });
  }
  const measured: Measured[] = [];
  for await (const m of orderedMap(jobs, 4, async (j) => ({ photo: j.photo, copy: j.copy, image: await analyseImage(await j.bytes(), j.photo, audit) }))) measured.push(m);

  const { groups } = groupNearDuplicates(measured.map((m) => m.image.analysis));
  const groupOf = new Map<number, number>();
  groups.forEach((g, k) => g.forEach((i) => groupOf.set(i, k)));
  const sourceIndex = new Map(measured.map((m, i) => [m, measured.findIndex((o) => o.photo === m.photo && o.copy === null)]));

  // Recall: each copy in its photo's group.
  const missed: string[] = [];
  const perCopy = new Map<string, number>();
  for (const [i, m] of measured.entries()) {
    if (m.copy === null) continue;
    const src = sourceIndex.get(m)!;
    const together = groupOf.has(i) && groupOf.get(i) === groupOf.get(src);
    if (together) perCopy.set(m.copy, (perCopy.get(m.copy) ?? 0) + 1);
    else missed.push(`${m.photo} ${m.copy}`);
  }
  const copies = measured.length - photos.length;
  // False groups: pairs of different photos sharing a group (through copies or directly).
  const originals = measured.map((m, i) => ({ m, i })).filter(({ m }) => m.copy === null);
  let falsePairs = 0;
  const falseNames: string[] = [];
  for (let a = 0; a < originals.length; a++) {
    for (let b = a + 1; b < originals.length; b++) {
      const ga = groupOf.get(originals[a].i);
      if (ga !== undefined && ga === groupOf.get(originals[b].i)) {
        falsePairs++;
        falseNames.push(`${originals[a].m.photo}~${originals[b].m.photo}`);
      }
    }
  }
  const pairs = (photos.length * (photos.length - 1)) / 2;
  t.log(`recall: ${copies - missed.length}/${copies} derived copies grouped with their photo (${(100 * (copies - missed.length) / copies).toFixed(1)} %)`);
  t.log(`per copy: ${[...Object.keys(DERIVED_COPIES)].map((c) => `${c} ${perCopy.get(c) ?? 0}/39`).join(', ')}`);
  t.log(`false-group rate: ${falsePairs}/${pairs} pairs of distinct photos grouped (${((100 * falsePairs) / pairs).toFixed(2)} %)`);
  t.deepEqual(missed, [], 'every derived copy groups with its photo');
  t.deepEqual(falseNames, [], 'no two distinct photos group');
  t.is(groups.length, photos.length, 'one group per photo');

  // Flags the damage calls for, with the default thresholds.
  const unflagged: string[] = [];
  for (const m of measured) {
    const flags = qualityFlags(m.image.analysis.signals, m.image.upscale);
    const expect = m.copy === 'blur-3' ? ['blurry'] : m.copy?.startsWith('blur-') || m.copy === 'enlarged-from-25%' ? ['blurry', 'upscaled'] : m.copy?.startsWith('resize-') ? ['upscaled'] : [];
    if (expect.length > 0 && !expect.some((f) => flags.includes(f as never))) unflagged.push(`${m.photo} ${m.copy} (${JSON.stringify(m.image.analysis.signals)})`);
  }
  t.deepEqual(unflagged, [], 'blurred copies are flagged blurry (σ 3) or blurry/upscaled (σ 1.5–2); enlarged and smaller copies upscaled');

  // The re-encoded copies' qualities, from their quantisation tables.
  for (const m of measured) {
    const q = m.copy ? DERIVED_COPIES[m.copy].jpegQuality : undefined;
    if (q !== undefined) t.true(Math.abs(m.image.analysis.jpegQuality! - q) <= 5, `${m.photo} ${m.copy}: estimated ${m.image.analysis.jpegQuality}`);
  }
  t.true(measured.filter((m) => m.copy === null).every((m) => m.image.analysis.jpegQuality !== null && Math.abs(m.image.analysis.jpegQuality - 85) <= 5), 'the samples were saved at 85');
});

// Builds with quality signals and near-duplicate grouping, on real photos and copies of them.
import test from 'ava';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { auditDataset } from '../src/audit.js';
import { buildDataset, readRejects, type BuildOptions } from '../src/build.js';
import { formatInspectReport, inspectBundle } from '../src/inspect.js';
import { readManifest } from '../src/manifest.js';
import { mergeWorkers } from '../src/merge.js';
import { parseJsonLines, qualityEntrySchema, type QualityEntry } from '../src/quality-record.js';
import { decodeRecord } from '../src/record.js';
import { readTfRecords } from '../src/tfrecord-reader.js';
import { verifyBundle } from '../src/verify.js';
import { DERIVED_COPIES } from './derived-copies.js';
import { runDatasetCli, snapshot, tempDir, writeImage } from './helpers.js';

const scenes = new URL('../../../samples/scenes/', import.meta.url);

/** Eight sample photos, each with a re-encoded, a cropped and a blurred copy: 32 inputs in 8 near-duplicate groups. */
async function photosWithCopies(dir: string): Promise<string[]> {
  const photos = (await readdir(scenes)).filter((f) => f.endsWith('.jpg')).sort().slice(0, 8);
  for (const photo of photos) {
    const bytes = await readFile(new URL(photo, scenes));
    const stem = photo.replace(/\.jpg$/, '');
    await writeImage(join(dir, `${stem}.jpg`), bytes);
    await writeImage(join(dir, 'copies', `${stem}-q60.jpg`), await DERIVED_COPIES['jpeg-60'].make(bytes));
    await writeImage(join(dir, 'copies', `${stem}-crop.jpg`), await DERIVED_COPIES['crop-2.5%-corner'].make(bytes));
    await writeImage(join(dir, 'copies', `${stem}-blur.jpg`), await DERIVED_COPIES['blur-3'].make(bytes));
  }
  return photos;
}

async function qualityLines(out: string): Promise<QualityEntry[]> {
  return parseJsonLines(qualityEntrySchema, await readFile(join(out, 'quality.jsonl'), 'utf8'));
}

const base = (input: string, out: string): BuildOptions => ({
  source: 'folder', input, out, size: 128, labels: 'none', splitRatios: 'train=0.5,val=0.5', masks: 'person-box', maskSplits: ['val'],
  recordsPerShard: 5, seed: 2, progress: false,
});

test('no near-duplicate group spans train and val; without grouping the same plan leaks', async (t) => {
  const root = await tempDir(t);
  const input = join(root, 'in');
  await photosWithCopies(input);
  const out = join(root, 'grouped');
  const result = await buildDataset(base(input, out));
  const manifest = result.manifest!;
  const d = manifest.duplicates!;
  t.log(`8 groups of 4: the plan split ${d.spanningPlanned} of them, ${d.moved} records moved`);
  t.is(d.groups, 8);
  t.is(d.members, 32);
  t.true(d.spanningPlanned > 0 && d.moved > 0, 'the hash split did put copies on both sides');
  t.is(d.leaks, 0);
  const lines = await qualityLines(out);
  t.is(lines.length, 32);
  const splitsOf = new Map<number, Set<string>>();
  for (const l of lines) splitsOf.set(l.group!, (splitsOf.get(l.group!) ?? new Set()).add(l.split));
  t.true([...splitsOf.values()].every((s) => s.size === 1), 'each group in one split');
  t.true(lines.some((l) => l.movedFrom !== null));
  // The audit regroups the bundle from its hashes and looks for groups across splits.
  const audited = await auditDataset(out, { progress: false });
  t.is(audited.leaks, 0);
  t.is(audited.groups.length, 8);
  // Moved records carry masks exactly where their new split has them: verify decodes every mask.
  const verified = await verifyBundle(out, { decode: true });
  t.deepEqual(verified.issues, []);
  // inspect shows the split's quality histograms from dataset.json.
  const text = formatInspectReport(await inspectBundle(out, { scan: 1 }));
  t.regex(text, /near-duplicates \(dct-64, radius 12, group\): 8 groups, 32 records/);
  t.regex(text, /quality of \d+ records: flagged blurry \d+/);
  t.regex(text, /sharpness \(\d+\): mean [\d.]+.*\n\s+0–5: \d+, 5–10: \d+/);
  // quality.jsonl out of step with the records is a verify problem.
  const qualityPath = join(out, 'quality.jsonl');
  const original = await readFile(qualityPath, 'utf8');
  const [first, second, ...rest] = original.split('\n');
  await writeFile(qualityPath, [second, first, ...rest].join('\n'));
  t.regex((await verifyBundle(out)).issues.map((i) => i.problem).join('\n'), /line 1 describes .* record 1 /);
  await writeFile(qualityPath, original);
  // The same build without grouping leaks.
  const loose = await buildDataset({ ...base(input, join(root, 'loose')), dedupe: 'off' });
  t.is(loose.manifest!.duplicates, null);
  const looseAudit = await auditDataset(join(root, 'loose'), { progress: false, hashRadius: 12 });
  t.is(looseAudit.leaks, d.spanningPlanned, 'the groups the plan split leak when nothing regroups them');
});

test('--dedupe keep-one keeps the best of each group; --reject drops flagged records with the reason, --flag-only lists them', async (t) => {
  const root = await tempDir(t);
  const input = join(root, 'in');
  const photos = await photosWithCopies(input);
  const one = await buildDataset({ ...base(input, join(root, 'one')), dedupe: 'keep-one' });
  t.is(one.records, 8);
  const lines = await qualityLines(join(root, 'one'));
  t.deepEqual(lines.map((l) => l.file).sort(), photos.sort(), 'the original (larger, better JPEG, sharper) is kept');
  const rejects = await readRejects(join(root, 'one'));
  t.is(rejects.filter((r) => r.code === 'near-duplicate').length, 24);
  t.regex(rejects.find((r) => r.file.endsWith('001-lake-jetty-q60.jpg'))!.reason, /near-duplicate: in a group of 4 with 001-lake-jetty\.jpg, which is kept/);

  const flagged = await buildDataset({ ...base(input, join(root, 'flagged')), dedupe: 'off' });
  t.true(flagged.flagged!.blurry >= 8, `flag-only keeps the blurred copies and counts them (${flagged.flagged!.blurry})`);
  t.is(flagged.records, 32);
  const strict = await buildDataset({ ...base(input, join(root, 'strict')), dedupe: 'off', reject: 'blurry' });
  const blurRejects = (await readRejects(join(root, 'strict'))).filter((r) => r.code === 'blurry');
  t.is(blurRejects.length, flagged.flagged!.blurry);
  t.true(blurRejects.some((r) => r.file.endsWith('-blur.jpg')));
  t.regex(blurRejects[0].reason, /^blurry: sharpness [\d.]+ under 38 \(--reject blurry\)$/);
  t.is(strict.records, 32 - blurRejects.length);
  t.is(strict.manifest!.quality!.stats.flags.blurry, 0, 'none of the kept records is blurry');
});

test('a smaller-than---size photo is rejected by default with its size; --upscale stores it with the factor and source size', async (t) => {
  const root = await tempDir(t);
  const input = join(root, 'in');
  const photo = await readFile(new URL('005-forest-path.jpg', scenes));
  await writeImage(join(input, 'big.jpg'), photo);
  await writeImage(join(input, 'small.jpg'), await sharp(photo).resize(100, 80, { fit: 'fill' }).jpeg().toBuffer());
  const built = await runDatasetCli('build', '--input', input, '--out', join(root, 'strict'), '--labels', 'none', '--no-progress');
  t.is(built.error, null);
  const [reject] = await readRejects(join(root, 'strict'));
  t.deepEqual([reject.file, reject.code], ['small.jpg', 'too-small']);
  t.regex(reject.reason, /image is 100×80, shorter side 80 under --size 256: it would be enlarged 3\.20×/);
  t.regex(built.stdout, /rejected for size or quality: too-small 1/);

  await buildDataset({ source: 'folder', input, out: join(root, 'up'), labels: 'none', upscale: true, progress: false });
  const manifest = await readManifest(join(root, 'up'));
  const records = [];
  for await (const raw of readTfRecords(join(root, 'up', manifest.shards[0].file))) records.push(decodeRecord(raw.data));
  const small = records.find((r) => r.filename === 'small.jpg')!;
  const big = records.find((r) => r.filename === 'big.jpg')!;
  t.deepEqual([small.width, small.height, small.source, small.upscale], [256, 256, { width: 100, height: 80 }, Math.fround(3.2)]);
  t.deepEqual([big.source, big.upscale], [{ width: 256, height: 256 }, undefined], 'every record stores its source size; only enlarged ones a factor');
  const line = (await qualityLines(join(root, 'up'))).find((l) => l.file === 'small.jpg')!;
  t.true(line.flags.includes('upscaled'));
  t.is(manifest.quality!.stats.enlarged, 1);
});

test('byte-identical at concurrency 1 and 5, and as 3 workers merged; merge says it grouped across workers', async (t) => {
  const root = await tempDir(t);
  const input = join(root, 'in');
  await photosWithCopies(input);
  await buildDataset({ ...base(input, join(root, 'c1')), concurrency: 1 });
  await buildDataset({ ...base(input, join(root, 'c5')), concurrency: 5 });
  const c1 = await snapshot(join(root, 'c1'), { skipParts: true });
  const same = (a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void => {
    t.deepEqual([...a.keys()], [...b.keys()], what);
    for (const [name, bytes] of a) t.true(bytes.equals(b.get(name)!), `${what}: ${name}`);
  };
  same(c1, await snapshot(join(root, 'c5'), { skipParts: true }), 'concurrency 5');
  t.true(c1.has('quality.jsonl'));
  for (const w of [2, 0, 1]) await buildDataset({ ...base(input, join(root, `w${w}`)), worker: w, workers: 3 });
  const merged = await runDatasetCli('merge', join(root, 'merged'), join(root, 'w0'), join(root, 'w1'), join(root, 'w2'));
  t.is(merged.error, null);
  t.regex(merged.stdout, /near-duplicates grouped here, across all 3 workers .*8 groups of 32 records, \d+ moved/);
  same(c1, await snapshot(join(root, 'merged'), { skipParts: true }), 'workers merged');
});

test('old (version-1) bundles still read: manifest, records, verify, inspect and audit', async (t) => {
  // Built by the code before this change (git 498112e): 5 records at 32², PNG, masks on val; 001-copy.jpg is a
  // byte copy of 001-lake-jetty.jpg that its hash split put in the other split.
  const fixture = new URL('./fixtures/bundle-v1/', import.meta.url).pathname;
  const manifest = await readManifest(fixture);
  t.is(manifest.schemaVersion, 1);
  t.is(manifest.quality, null);
  t.is(manifest.config.signals, false);
  t.deepEqual((await verifyBundle(fixture, { decode: true })).issues, []);
  const root = await tempDir(t);
  const report = await auditDataset(fixture, { out: join(root, 'audit'), progress: false });
  t.is(report.measured, 'decoded');
  t.is(report.leaks, 1);
  t.deepEqual(report.groups[0].members.map((m) => m.file).sort(), ['001-copy.jpg', '001-lake-jetty.jpg']);
  t.true(report.groups[0].exact);
  const sheet = await sharp(report.groups[0].sheet!).metadata();
  t.deepEqual([sheet.width, sheet.height], [2 * 128 + 2, 128], 'a contact sheet of the two members');
});

test('a build stopped part-way through regrouping resumes to the same bytes (staged moves, some shards rewritten)', async (t) => {
  const root = await tempDir(t);
  const input = join(root, 'in');
  await photosWithCopies(input);
  const reference = join(root, 'reference');
  await buildDataset(base(input, reference));
  // Two workers into one folder: every shard as built, nothing regrouped yet (a worker leaves that to merge).
  const crashed = join(root, 'crashed');
  for (const w of [0, 1]) await buildDataset({ ...base(input, crashed), worker: w, workers: 2 });
  // Then the state a kill leaves mid-way: the moves staged, the first rewritten shard already in its final form.
  const parts = '.bgfill-parts';
  for (const f of ['arrivals.tfrecord', 'arrivals.json']) await copyFile(join(reference, parts, f), join(crashed, parts, f));
  const manifest = await readManifest(reference);
  const rewritten = manifest.shards.filter((s) => s.movedIn + s.movedOut + s.dropped > 0);
  t.true(rewritten.length >= 2);
  const first = rewritten[0];
  for (const f of [first.file, first.indexFile, join(parts, `${first.file}.json`)]) await copyFile(join(reference, f), join(crashed, f));
  // Rerunning the build keeps every shard (as built or final) and finishes the regrouping.
  const resumed = await buildDataset(base(input, crashed));
  t.is(resumed.shardsWritten, 0, 'no image decoded again');
  const a = await snapshot(reference, { skipParts: true });
  const b = await snapshot(crashed, { skipParts: true });
  for (const name of [...b.keys()]) if (name.startsWith('worker-')) b.delete(name);
  t.deepEqual([...b.keys()], [...a.keys()]);
  for (const [name, bytes] of a) t.true(bytes.equals(b.get(name)!), name);
});

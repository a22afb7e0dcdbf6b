import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError, invalidParameter, rngFor, type Seed } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
import { readManifest, type DatasetManifest, type ShardEntry } from './manifest.js';
import { decodeMaskPng } from './mask-feature.js';
import { orderedMap } from './ordered-map.js';
import { decodeRecord, type ImageFormat } from './record.js';
import { seededShuffle } from './shard-plan.js';
import { readTfRecords, TfRecordError } from './tfrecord-reader.js';

export { readManifest } from './manifest.js';

/** One record as the trainer and eval see it. */
export interface DecodedExample {
  /** The record key: hex SHA-256 of `filename` (feature `image/key/sha256`). */
  key: string;
  /**
   * The source path relative to the input root, `/`-separated (feature `image/filename`, e.g.
   * `data_256/a/abbey/00000000.jpg`): name records by this in messages, with `key` beside it.
   */
  filename: string;
  label: number;
  labelText: string;
  /** RGB, row-major, 3 bytes per pixel; with `decode: false`, `data` holds the encoded bytes instead. */
  image: { data: Uint8Array; width: number; height: number; channels: 3 };
  mask?: Mask;
  maskStrategy?: string;
  holeRatio?: number;
  /** The shard file and the byte offset of the record's frame in it (in the uncompressed stream for GZIP shards). */
  shard: string;
  offset: number;
  /** The stored image bytes and their codec. */
  encoded: Uint8Array;
  format: ImageFormat;
  /** The stored mask PNG, when the record has one. */
  maskEncoded?: Uint8Array;
  /** Position in this reader's output stream (0-based, counting skipped examples): pass it back as `skip` to resume. */
  position: number;
  /** The pass over the data this example belongs to (0 unless `repeat`). */
  epoch: number;
}

export interface ReadOptions {
  split: string;
  /** Shuffle with a buffer of this many records (tf.data semantics), and read shards in a seeded order. 0/1: no shuffle. */
  shuffleBuffer?: number;
  /** Seeds shard order and the shuffle buffer (each epoch draws its own order from (seed, epoch)). Default 0. */
  seed?: Seed;
  /** Start over after the last record, forever (a new order each epoch when shuffling). */
  repeat?: boolean;
  /** Check each record's CRCs (default true). */
  verifyCrc?: boolean;
  /** Read only this worker's records: record number r of the split (in manifest order) goes to worker r % count. */
  worker?: { index: number; count: number };
  /** Stop after this many examples (after `skip`). */
  limit?: number;
  /** Decode images to RGB and masks to 0/1 (default true). */
  decode?: boolean;
  /** Drop the first `skip` examples of the stream (cheaply: before decoding), to resume at a data position. */
  skip?: number;
  /** Shards read at once, records taken from them in turn (default 4 when shuffling, else 1). */
  interleave?: number;
  /** Examples decoded at once (default 4). Does not change the order. */
  concurrency?: number;
}

interface RawItem {
  shard: string;
  offset: number;
  data: Buffer;
  epoch: number;
}

function checkOptions(options: ReadOptions): void {
  const nonNegInt = (name: string, v: number | undefined): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw invalidParameter(name, 'a non-negative integer', v);
  };
  nonNegInt('shuffleBuffer', options.shuffleBuffer);
  nonNegInt('limit', options.limit);
  nonNegInt('skip', options.skip);
  if (options.interleave !== undefined && (!Number.isInteger(options.interleave) || options.interleave < 1)) {
    throw invalidParameter('interleave', 'a positive integer', options.interleave);
  }
  if (options.worker) {
    const { index, count } = options.worker;
    if (!Number.isInteger(count) || count < 1) throw invalidParameter('worker.count', 'a positive integer', count);
    if (!Number.isInteger(index) || index < 0 || index >= count) throw invalidParameter('worker.index', `an integer in [0, ${count - 1}]`, index);
  }
}

/** The shards of a split, in manifest order, with the split-wide number of each shard's first record. */
export function splitShards(manifest: DatasetManifest, split: string, dir = ''): Array<ShardEntry & { first: number }> {
  if (!manifest.splits[split]) {
    throw invalidParameter('split', `a split of ${dir || 'the bundle'} (${Object.keys(manifest.splits).join(', ') || 'none'})`, split);
  }
  let first = 0;
  return manifest.shards
    .filter((s) => s.split === split)
    .sort((a, b) => a.shardIndex - b.shardIndex)
    .map((s) => {
      const entry = { ...s, first };
      first += s.records;
      return entry;
    });
}

/** One epoch's raw records: shards in (seeded) order, `interleave` of them read in turn, this worker's share only. */
async function* epochRecords(
  dir: string,
  shards: ReadonlyArray<ShardEntry & { first: number }>,
  epoch: number,
  options: ReadOptions,
  shuffle: boolean,
): AsyncGenerator<RawItem> {
  const order = shuffle ? seededShuffle(shards, rngFor(options.seed ?? 0, 'reader-shards', epoch)) : [...shards];
  const cycle = Math.max(1, Math.min(options.interleave ?? (shuffle ? 4 : 1), order.length));
  const worker = options.worker;
  type Active = { shard: ShardEntry & { first: number }; it: AsyncGenerator<{ offset: number; data: Buffer }>; n: number };
  const open = (shard: ShardEntry & { first: number }): Active => ({
    shard,
    it: readTfRecords(join(dir, shard.file), { verifyCrc: options.verifyCrc ?? true }),
    n: 0,
  });
  let next = 0;
  const active: Active[] = [];
  while (active.length < cycle && next < order.length) active.push(open(order[next++]));
  try {
    let turn = 0;
    while (active.length > 0) {
      turn %= active.length;
      const current = active[turn];
      const r = await current.it.next();
      if (r.done) {
        if (current.n !== current.shard.records) {
          throw new BgfillError(`${current.shard.file}: holds ${current.n} records, dataset.json says ${current.shard.records}`, {
            subject: current.shard.file,
          });
        }
        if (next < order.length) active[turn] = open(order[next++]);
        else active.splice(turn, 1);
        continue;
      }
      const number = current.shard.first + current.n++;
      turn++;
      if (worker && number % worker.count !== worker.index) continue;
      yield { shard: current.shard.file, offset: r.value.offset, data: r.value.data, epoch };
    }
  } finally {
    await Promise.all(active.map((a) => a.it.return(undefined)));
  }
}

/** tf.data-style shuffle buffer: fill to `size`, then emit a random element and put the newcomer in its place. */
async function* shuffleBuffer<T>(source: AsyncIterable<T>, size: number, seed: Seed, epoch: number): AsyncGenerator<T> {
  const rng = rngFor(seed, 'reader-buffer', epoch);
  const buffer: T[] = [];
  for await (const item of source) {
    if (buffer.length < size) {
      buffer.push(item);
      continue;
    }
    const j = rng.int(0, size - 1);
    const out = buffer[j];
    buffer[j] = item;
    yield out;
  }
  while (buffer.length > 0) {
    const j = rng.int(0, buffer.length - 1);
    const out = buffer[j];
    buffer[j] = buffer[buffer.length - 1];
    buffer.pop();
    yield out;
  }
}

async function decodeItem(item: RawItem, position: number, decode: boolean): Promise<DecodedExample> {
  const where = `${item.shard} @ offset ${item.offset}`;
  let record;
  try {
    record = decodeRecord(item.data);
  } catch (err) {
    throw new BgfillError(`${where}: ${err instanceof Error ? err.message : String(err)}`, { subject: item.shard, cause: err });
  }
  let data: Uint8Array = record.encoded;
  let mask: Mask | undefined;
  if (decode) {
    try {
      const out = await sharp(record.encoded).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      if (out.info.width !== record.width || out.info.height !== record.height || out.info.channels !== 3) {
        throw new Error(`decoded ${out.info.width}×${out.info.height}×${out.info.channels}, features say ${record.width}×${record.height}×3`);
      }
      data = out.data;
      if (record.mask) {
        mask = await decodeMaskPng(record.mask.encoded);
        if (mask.width !== record.width || mask.height !== record.height) {
          throw new Error(`mask is ${mask.width}×${mask.height}, image ${record.width}×${record.height}`);
        }
      }
    } catch (err) {
      throw new BgfillError(`${where} (${record.filename}): cannot decode: ${err instanceof Error ? err.message : String(err)}`, {
        subject: item.shard,
        cause: err,
      });
    }
  }
  return {
    key: record.key,
    filename: record.filename,
    label: record.label,
    labelText: record.labelText,
    image: { data, width: record.width, height: record.height, channels: 3 },
    ...(mask ? { mask } : {}),
    ...(record.mask ? { maskStrategy: record.mask.strategy, holeRatio: record.mask.holeRatio, maskEncoded: record.mask.encoded } : {}),
    shard: item.shard,
    offset: item.offset,
    encoded: record.encoded,
    format: record.format,
    position,
    epoch: item.epoch,
  };
}

/**
 * Stream a split of a bundle as decoded examples: CRC-checked, optionally shuffled (seeded shard order, interleaved
 * shards, a shuffle buffer), partitioned across workers, repeated, skipped into and limited. The order is a pure
 * function of (bundle, options): `skip: n` yields exactly what an unskipped stream yields from position n on.
 * @example for await (const ex of readBundle('bundle', { split: 'train', shuffleBuffer: 1024, seed: 1, repeat: true })) …
 */
export function readBundle(dir: string, options: ReadOptions): AsyncIterable<DecodedExample> {
  checkOptions(options);
  return {
    [Symbol.asyncIterator]: () => stream(dir, options),
  };
}

async function* stream(dir: string, options: ReadOptions): AsyncGenerator<DecodedExample> {
  const manifest = await readManifest(dir);
  const shards = splitShards(manifest, options.split, dir);
  const total = shards.reduce((a, s) => a + s.records, 0);
  if (total === 0) return;
  if (options.worker && total <= options.worker.index) return; // this worker's share is empty
  const shuffle = (options.shuffleBuffer ?? 0) > 1;
  const seed = options.seed ?? 0;
  const skip = options.skip ?? 0;
  const limit = options.limit ?? Infinity;
  if (limit === 0) return;
  async function* raw(): AsyncGenerator<RawItem> {
    for (let epoch = 0; ; epoch++) {
      const records = epochRecords(dir, shards, epoch, options, shuffle);
      yield* shuffle ? shuffleBuffer(records, options.shuffleBuffer!, seed, epoch) : records;
      if (!options.repeat) return;
    }
  }
  async function* positioned(): AsyncGenerator<{ item: RawItem; position: number }> {
    let position = 0;
    for await (const item of raw()) {
      if (position >= skip) yield { item, position };
      position++;
      if (position - skip >= limit) return;
    }
  }
  const decode = options.decode ?? true;
  yield* orderedMap(positioned(), options.concurrency ?? 4, ({ item, position }) => decodeItem(item, position, decode));
}

export { TfRecordError };

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { temporaryPathFor } from '@bgfill/core';
import { crc32c, maskCrc } from './crc32c.js';

/** Bytes TFRecord adds around each record: 8 (length) + 4 (length CRC) before, 4 (data CRC) after. */
export const FRAME_OVERHEAD = 16;

export type Compression = 'none' | 'gzip';

/**
 * The 12 bytes before a record's data: its length as uint64 little-endian, then the masked CRC-32C of those 8 bytes.
 * @example frameHeader(3) // 03 00 00 00 00 00 00 00 + masked crc of those 8 bytes
 */
export function frameHeader(length: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(length), 0);
  header.writeUInt32LE(maskCrc(crc32c(header.subarray(0, 8))), 8);
  return header;
}

/** The 4 bytes after a record's data: masked CRC-32C of the data, little-endian. */
export function frameFooter(data: Uint8Array): Buffer {
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskCrc(crc32c(data)), 0);
  return footer;
}

/**
 * One record exactly as TensorFlow's `TFRecordWriter` frames it: length, masked CRC of the length, data, masked CRC
 * of the data.
 * @example Buffer.concat(payloads.map(frameRecord)) // a complete uncompressed .tfrecord file
 */
export function frameRecord(data: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(data.length), data, frameFooter(data)]);
}

/** One line of a shard index: where a framed record starts and its framed length (data + 16). */
export interface IndexEntry {
  readonly offset: number;
  readonly length: number;
}

/** Index file text, `offset length` per line: the format of DALI's `tfrecord2idx` and the Python `tfrecord` package. */
export function formatIndex(entries: readonly IndexEntry[]): string {
  return entries.map((e) => `${e.offset} ${e.length}\n`).join('');
}

/** What a finished shard file holds. */
export interface WrittenShard {
  readonly records: number;
  /** File size on disk (compressed size for gzip). */
  readonly bytes: number;
  /** Hex SHA-256 of the file as written. */
  readonly sha256: string;
  /** Offsets in the uncompressed record stream. */
  readonly index: readonly IndexEntry[];
}

class HashCount extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/**
 * Writes one TFRecord file under a temporary name beside `path`; `commit()` flushes it to disk and renames it into
 * place, `abort()` removes it. A crash at any point leaves at most a `.*.tmp` file, never a truncated final file.
 * @example
 * const w = await TfRecordWriter.create('out/train-00000-of-00001.tfrecord');
 * await w.write(encodeRecord(record));
 * const shard = await w.commit();
 */
export class TfRecordWriter {
  private readonly entries: IndexEntry[] = [];
  private position = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    private readonly input: PassThrough,
    private readonly counter: HashCount,
    private readonly done: Promise<void>,
  ) {}

  /** Open a writer; `compression: 'gzip'` writes the whole file as one GZIP stream (TensorFlow's `GZIP` type). */
  static async create(path: string, options: { compression?: Compression } = {}): Promise<TfRecordWriter> {
    await mkdir(dirname(path), { recursive: true });
    const tempPath = temporaryPathFor(path);
    const input = new PassThrough({ highWaterMark: 1 << 20 });
    const counter = new HashCount();
    const sink = createWriteStream(tempPath, { flags: 'wx' });
    const stages = options.compression === 'gzip' ? [input, createGzip({ level: 6 }), counter, sink] : [input, counter, sink];
    const done = pipeline(stages as unknown as [PassThrough, HashCount, NodeJS.WritableStream]);
    done.catch(() => {}); // surfaced by write()/commit()
    return new TfRecordWriter(path, tempPath, input, counter, done);
  }

  /** Number of records written so far. */
  get records(): number {
    return this.entries.length;
  }

  /** Append one record (the serialised Example). */
  async write(data: Uint8Array): Promise<IndexEntry> {
    if (this.closed) throw new Error('TfRecordWriter: write after commit/abort');
    const entry = { offset: this.position, length: data.length + FRAME_OVERHEAD };
    this.entries.push(entry);
    this.position += entry.length;
    const ok = this.input.write(frameHeader(data.length)) && this.input.write(data) && this.input.write(frameFooter(data));
    if (!ok) await Promise.race([once(this.input, 'drain'), this.done]);
    return entry;
  }

  /** Finish the file, fsync it, rename it to its final name. */
  async commit(): Promise<WrittenShard> {
    this.closed = true;
    this.input.end();
    await this.done;
    const handle = await open(this.tempPath, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.tempPath, this.path);
    return {
      records: this.entries.length,
      bytes: this.counter.bytes,
      sha256: this.counter.hash.digest('hex'),
      index: this.entries,
    };
  }

  /** Drop the temporary file. */
  async abort(): Promise<void> {
    this.closed = true;
    this.input.destroy();
    await this.done.catch(() => {});
    await rm(this.tempPath, { force: true });
  }
}

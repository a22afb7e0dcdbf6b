import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { BgfillError } from '@bgfill/core';
import { crc32c, maskCrc } from './crc32c.js';
import { FRAME_OVERHEAD, type Compression } from './tfrecord-writer.js';

/** A record's payload and where its frame starts in the (uncompressed) record stream. */
export interface RawRecord {
  readonly offset: number;
  /** Framed length: data + 16. */
  readonly length: number;
  readonly data: Buffer;
}

export type FramingFault = 'truncated-header' | 'length-crc' | 'bad-length' | 'truncated-data' | 'data-crc';

/** A framing problem found while scanning. After anything but `data-crc` the rest of the file cannot be framed. */
export interface FramingProblem {
  readonly offset: number;
  readonly fault: FramingFault;
  readonly message: string;
}

export type ScanItem = ({ kind: 'record' } & RawRecord) | ({ kind: 'problem' } & FramingProblem);

/** A bad record in a TFRecord file: names the file and the byte offset of the record's frame. */
export class TfRecordError extends BgfillError {
  override name = 'TfRecordError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly fault: FramingFault,
    reason: string,
  ) {
    super(`${file} @ offset ${offset}: ${reason}`, { subject: file });
  }
}

/** Guard against absurd lengths from a corrupt file whose length CRC happened to match: 2 GiB. */
export const MAX_RECORD_BYTES = 2 ** 31;

export interface ScanOptions {
  compression?: Compression;
  /** Check the masked CRC-32C of every length and payload (default true). */
  verifyCrc?: boolean;
  /** Bytes per read (default 1 MiB). */
  chunkBytes?: number;
}

/** Compression from a shard's name: `.gz` means GZIP. */
export function compressionFor(path: string): Compression {
  return path.endsWith('.gz') ? 'gzip' : 'none';
}

/**
 * Walk a TFRecord file frame by frame, yielding each record and each framing problem. A bad data CRC is reported
 * and the scan goes on (the length was sound); any other problem ends the scan.
 * @example for await (const item of scanTfRecords('train-00000-of-00004.tfrecord')) if (item.kind === 'problem') …
 */
export async function* scanTfRecords(path: string, options: ScanOptions = {}): AsyncGenerator<ScanItem> {
  const verify = options.verifyCrc ?? true;
  const compression = options.compression ?? compressionFor(path);
  const file = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  const source: AsyncIterable<Buffer> = compression === 'gzip' ? file.pipe(createGunzip()) : file;
  let pending: Buffer = Buffer.alloc(0);
  let position = 0; // stream offset of pending[0]
  let need = 12; // bytes needed to make progress
  let dataLength = -1; // known once a header has been read
  try {
    for await (const chunk of source) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      while (pending.length - at >= need) {
        if (dataLength < 0) {
          const lengthBytes = pending.subarray(at, at + 8);
          const stored = pending.readUInt32LE(at + 8);
          if (verify && maskCrc(crc32c(lengthBytes)) !== stored) {
            yield { kind: 'problem', offset: position + at, fault: 'length-crc', message: 'length CRC mismatch (corrupt frame header)' };
            return;
          }
          const length = pending.readBigUInt64LE(at);
          if (length > BigInt(MAX_RECORD_BYTES)) {
            yield { kind: 'problem', offset: position + at, fault: 'bad-length', message: `record length ${length} is implausible` };
            return;
          }
          dataLength = Number(length);
          need = dataLength + FRAME_OVERHEAD;
          continue;
        }
        const data = pending.subarray(at + 12, at + 12 + dataLength);
        const stored = pending.readUInt32LE(at + 12 + dataLength);
        const offset = position + at;
        if (verify && maskCrc(crc32c(data)) !== stored) {
          yield { kind: 'problem', offset, fault: 'data-crc', message: 'data CRC mismatch (corrupt record payload)' };
        } else {
          yield { kind: 'record', offset, length: dataLength + FRAME_OVERHEAD, data };
        }
        at += dataLength + FRAME_OVERHEAD;
        dataLength = -1;
        need = 12;
      }
      position += at;
      pending = at === 0 ? pending : pending.subarray(at);
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    yield { kind: 'problem', offset: position, fault: 'truncated-data', message: `read failed: ${reason}` };
    return;
  } finally {
    file.destroy();
  }
  if (pending.length > 0) {
    const fault: FramingFault = dataLength < 0 ? 'truncated-header' : 'truncated-data';
    const what = dataLength < 0 ? 'header' : `record (${pending.length} of ${dataLength + FRAME_OVERHEAD} bytes)`;
    yield { kind: 'problem', offset: position, fault, message: `file ends inside a ${what}: truncated` };
  }
}

/**
 * The records of a TFRecord file, in order. Throws a {@link TfRecordError} (file and offset) at the first bad frame.
 * @example for await (const { data } of readTfRecords(path)) decodeExample(data)
 */
export async function* readTfRecords(path: string, options: ScanOptions = {}): AsyncGenerator<RawRecord> {
  for await (const item of scanTfRecords(path, options)) {
    if (item.kind === 'problem') throw new TfRecordError(basename(path), item.offset, item.fault, item.message);
    yield { offset: item.offset, length: item.length, data: item.data };
  }
}

/** Parse index file text (`offset length` per line). Throws a BgfillError naming the line on a bad one. */
export function parseIndex(text: string, file = 'index'): Array<{ offset: number; length: number }> {
  const entries: Array<{ offset: number; length: number }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const m = /^(\d+)\s+(\d+)$/.exec(line);
    if (!m) throw new BgfillError(`${file}:${i + 1}: expected "offset length", got ${JSON.stringify(line)}`, { subject: file });
    entries.push({ offset: Number(m[1]), length: Number(m[2]) });
  }
  return entries;
}

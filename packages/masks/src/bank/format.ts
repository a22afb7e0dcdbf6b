/**
 * The person-bank file (`.bgbank`), version 1: person outlines cut from segmentation maps, run-length encoded.
 *
 *   bytes 0–5    ASCII "BGBANK"
 *   bytes 6–7    format version, uint16 little-endian (1)
 *   bytes 8–11   header length H, uint32 little-endian
 *   bytes 12…    header: H bytes of UTF-8 JSON (BankHeader: build settings, sources, drop counts, one entry per
 *                outline with its source, bounding box, area, aspect, and where its runs lie in the payload)
 *   then         payload: the outlines' runs, outline after outline
 *
 * An outline's runs are its rows top to bottom; each row is varint(n) then n pairs varint(gap), varint(length),
 * where gap is the distance from the previous run's end (from 0 for the first run) and varints are unsigned LEB128.
 * The header holds the payload's length and SHA-256, so a truncated or altered file is refused on reading; the
 * SHA-256 of the whole file is the bank's digest, recorded wherever masks drawn from it are.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { badFile } from '@bgfill/core';
import type { OutlineRows } from './components.js';

export const BANK_MAGIC = 'BGBANK';
export const BANK_VERSION = 1;
/** The file `bgfill masks bank build` writes into its output folder; a recipe naming the folder reads it. */
export const BANK_FILE = 'bank.bgbank';
export const BANK_EXTENSION = '.bgbank';

const PREFIX = 12;

const outlineEntrySchema = z.strictObject({
  /** Index into `sources`. */
  source: z.number().int().nonnegative(),
  /** The component's number in its map (scan order of first pixel, from 0, counting dropped ones). */
  component: z.number().int().nonnegative(),
  /** Bounding box in the map. */
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Pixels of the outline. */
  area: z.number().int().positive(),
  /** height / width of the bounding box. */
  aspect: z.number().positive(),
  /** Where its runs lie in the payload. */
  offset: z.number().int().nonnegative(),
  bytes: z.number().int().positive(),
});

export const bankHeaderSchema = z.strictObject({
  format: z.literal('bgfill-bank'),
  version: z.literal(BANK_VERSION),
  /** Map pixels with value / max > threshold were person. */
  threshold: z.number().min(0).lt(1),
  /** Components under this fraction of their map's area were dropped. */
  minArea: z.number().min(0).lt(1),
  /** Each map read, as a path relative to the --maps folder (or as given), with its size. */
  sources: z.array(z.strictObject({ file: z.string(), width: z.number().int().positive(), height: z.number().int().positive() })),
  /** Maps that could not be read, and why. */
  skipped: z.array(z.strictObject({ file: z.string(), reason: z.string() })),
  /** Components dropped: smaller than minArea, or touching two opposite borders of their map. */
  dropped: z.strictObject({ small: z.number().int().nonnegative(), spanning: z.number().int().nonnegative() }),
  outlines: z.array(outlineEntrySchema),
  payloadBytes: z.number().int().nonnegative(),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export type BankHeader = z.output<typeof bankHeaderSchema>;
export type BankOutlineEntry = z.output<typeof outlineEntrySchema>;

/** What a bank file holds, decoded. */
export interface DecodedBank {
  readonly header: BankHeader;
  /** Outline k's runs (same order as header.outlines). */
  readonly outlines: ReadonlyArray<OutlineRows>;
  /** SHA-256 of the whole file, hex. */
  readonly sha256: string;
}

class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;
  varint(v: number): void {
    if (this.length + 5 > this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    while (v >= 0x80) {
      this.buf[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.length++] = v;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function encodeRows(rows: OutlineRows, out: ByteWriter): void {
  for (let y = 0; y < rows.height; y++) {
    const a = rows.rowStart[y];
    const b = rows.rowStart[y + 1];
    out.varint(b - a);
    let prev = 0;
    for (let k = a; k < b; k++) {
      out.varint(rows.runs[2 * k] - prev);
      out.varint(rows.runs[2 * k + 1] - rows.runs[2 * k]);
      prev = rows.runs[2 * k + 1];
    }
  }
}

/** Header fields the encoder fills in. */
type HeaderInput = Omit<BankHeader, 'format' | 'version' | 'payloadBytes' | 'payloadSha256' | 'outlines'> & {
  outlines: Array<Omit<BankOutlineEntry, 'offset' | 'bytes'>>;
};

/**
 * The bytes of a bank file holding `outlines` (outline k described by header.outlines[k]).
 * @example const bytes = encodeBank({ threshold: 0.1, minArea: 0.002, sources, skipped: [], dropped, outlines: entries }, rows);
 */
export function encodeBank(input: HeaderInput, outlines: ReadonlyArray<OutlineRows>): Buffer {
  const payload = new ByteWriter();
  const entries: BankOutlineEntry[] = input.outlines.map((entry, k) => {
    const offset = payload.length;
    encodeRows(outlines[k], payload);
    return { ...entry, offset, bytes: payload.length - offset };
  });
  const body = payload.bytes();
  const header: BankHeader = {
    format: 'bgfill-bank',
    version: BANK_VERSION,
    threshold: input.threshold,
    minArea: input.minArea,
    sources: input.sources,
    skipped: input.skipped,
    dropped: input.dropped,
    outlines: entries,
    payloadBytes: body.length,
    payloadSha256: createHash('sha256').update(body).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(PREFIX);
  prefix.write(BANK_MAGIC, 0, 'latin1');
  prefix.writeUInt16LE(BANK_VERSION, 6);
  prefix.writeUInt32LE(json.length, 8);
  return Buffer.concat([prefix, json, body]);
}

/** Decode one outline's runs, checking that they stay inside its box and cover `area` pixels. */
function decodeRows(payload: Uint8Array, entry: BankOutlineEntry, file: string, k: number): OutlineRows {
  const fail = (why: string) => badFile(file, `outline ${k} is damaged (${why}); rebuild the bank`);
  let p = entry.offset;
  const end = entry.offset + entry.bytes;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (p >= end) throw fail('its runs end early');
      const b = payload[p++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
      if (shift > 28) throw fail('a number is too long');
    }
  };
  const rowStart = new Uint32Array(entry.height + 1);
  const runs: number[] = [];
  let area = 0;
  for (let y = 0; y < entry.height; y++) {
    rowStart[y] = runs.length / 2;
    const n = varint();
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const x0 = prev + varint();
      const x1 = x0 + varint();
      if (x1 > entry.width || x1 <= x0 || (i > 0 && x0 <= prev)) throw fail(`a run of row ${y} leaves its box or overlaps`);
      runs.push(x0, x1);
      area += x1 - x0;
      prev = x1;
    }
  }
  rowStart[entry.height] = runs.length / 2;
  if (p !== end) throw fail('bytes are left over');
  if (area !== entry.area) throw fail(`its runs cover ${area} pixels, its entry says ${entry.area}`);
  return {
    width: entry.width,
    height: entry.height,
    rowStart,
    runs: entry.width <= 0xffff ? Uint16Array.from(runs) : Uint32Array.from(runs),
    area,
  };
}

/**
 * Read a bank file's bytes. Anything that is not an intact version-1 bank (another file, a truncated or altered one,
 * a bank without outlines) is a BgfillError naming `file` and the reason.
 * @example const bank = decodeBank(await readFile('bank/bank.bgbank'), 'bank/bank.bgbank');
 */
export function decodeBank(bytes: Uint8Array, file: string): DecodedBank {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < PREFIX || buf.toString('latin1', 0, 6) !== BANK_MAGIC) {
    throw badFile(file, `not a person bank (a ${BANK_EXTENSION} file from \`bgfill masks bank build\` starts with "${BANK_MAGIC}")`);
  }
  const version = buf.readUInt16LE(6);
  if (version !== BANK_VERSION) throw badFile(file, `person bank format version ${version}; this bgfill reads version ${BANK_VERSION}`);
  const headerLength = buf.readUInt32LE(8);
  if (PREFIX + headerLength > buf.length) throw badFile(file, 'truncated person bank (its header is cut short)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8', PREFIX, PREFIX + headerLength));
  } catch (err) {
    throw badFile(file, `damaged person bank header (${(err as Error).message})`);
  }
  const checked = bankHeaderSchema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw badFile(file, `damaged person bank header (${issue.path.join('.') || '(root)'}: ${issue.message})`);
  }
  const header = checked.data;
  const payload = buf.subarray(PREFIX + headerLength);
  if (payload.length !== header.payloadBytes) {
    throw badFile(file, `truncated or padded person bank (${payload.length} payload bytes, its header says ${header.payloadBytes})`);
  }
  if (createHash('sha256').update(payload).digest('hex') !== header.payloadSha256) {
    throw badFile(file, 'damaged person bank (its outlines do not match the checksum in its header)');
  }
  if (header.outlines.length === 0) throw badFile(file, 'empty person bank: it holds no outline');
  const outlines = header.outlines.map((entry, k) => {
    if (entry.offset + entry.bytes > payload.length) throw badFile(file, `outline ${k} points past the end of the file`);
    if (entry.source >= header.sources.length) throw badFile(file, `outline ${k} names source ${entry.source} of ${header.sources.length}`);
    return decodeRows(payload, entry, file, k);
  });
  return { header, outlines, sha256: createHash('sha256').update(buf).digest('hex') };
}

/**
 * The quality a JPEG was saved at, estimated from its quantisation tables (DQT segments) without decoding it: the
 * tables are compared with the IJG standard tables (ITU-T T.81 Annex K, as libjpeg scales them by quality), and the
 * quality whose tables are nearest wins. For files from libjpeg, libjpeg-turbo, mozjpeg (sharp's default tables),
 * PIL and most web encoders this is the exact setting; for encoders with their own tables (cameras, Photoshop) it is
 * the IJG quality of about the same coarseness.
 */

/** Annex K luminance table, natural (row-major) order. */
const STD_LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22,
  37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
/** Annex K chrominance table, natural order. */
const STD_CHROMINANCE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** Zigzag position → natural index (the order DQT stores its 64 entries in). */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/**
 * libjpeg's scaling of a standard table to `quality` (jcparam.c: scale 5000/q below 50, 200 − 2q from 50;
 * entries clamped to 1…255 as with `force_baseline`).
 * @example scaledTable(STD_LUMINANCE, 50) // the Annex K table itself
 */
export function scaledTable(base: readonly number[], quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  return base.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

/** The IJG tables libjpeg writes at `quality`: luminance, chrominance (natural order). */
export function ijgTables(quality: number): [number[], number[]] {
  return [scaledTable(STD_LUMINANCE, quality), scaledTable(STD_CHROMINANCE, quality)];
}

/** A DQT table: its id (0–3) and 64 entries in natural order. */
export interface QuantTable {
  readonly id: number;
  readonly values: readonly number[];
}

/**
 * The quantisation tables of a JPEG, read from its DQT segments up to the first SOS (a later table with the same id
 * replaces an earlier one). `null` when the bytes are not a JPEG or its marker structure is broken before any table.
 * @example readQuantTables(await readFile('photo.jpg'))?.[0].values[0]
 */
export function readQuantTables(bytes: Uint8Array): QuantTable[] | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const tables = new Map<number, number[]>();
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) break;
    const marker = bytes[p + 1];
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // SOS or EOI: no tables after this matter
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    const length = (bytes[p + 2] << 8) | bytes[p + 3];
    if (length < 2 || p + 2 + length > bytes.length) break;
    if (marker === 0xdb) {
      let q = p + 4;
      const end = p + 2 + length;
      while (q < end) {
        const precision = bytes[q] >> 4;
        const id = bytes[q] & 15;
        const size = precision === 0 ? 1 : 2;
        if (q + 1 + 64 * size > end) break;
        const values = new Array<number>(64);
        for (let k = 0; k < 64; k++) {
          const at = q + 1 + k * size;
          values[ZIGZAG[k]] = size === 1 ? bytes[at] : (bytes[at] << 8) | bytes[at + 1];
        }
        tables.set(id, values);
        q += 1 + 64 * size;
      }
    }
    p += 2 + length;
  }
  if (tables.size === 0) return null;
  return [...tables.entries()].sort(([a], [b]) => a - b).map(([id, values]) => ({ id, values }));
}

/** An estimate: the IJG quality (1–100) and whether the tables equal that quality's IJG tables exactly. */
export interface JpegQualityEstimate {
  readonly quality: number;
  readonly exact: boolean;
}

/** Every quality's IJG tables, made on first use. */
let allTables: Array<[number[], number[]]> | null = null;

/**
 * Estimate the IJG quality of a set of tables: table 0 is compared with the luminance table and table 1 (when
 * present) with the chrominance table at every quality 1–100; the quality with the smallest summed absolute
 * difference wins (ties to the higher quality).
 * @example estimateQualityFromTables(ijgTables(85).map((values, id) => ({ id, values }))) // { quality: 85, exact: true }
 */
export function estimateQualityFromTables(tables: readonly QuantTable[]): JpegQualityEstimate | null {
  const luma = tables.find((t) => t.id === 0) ?? tables[0];
  if (!luma) return null;
  const chroma = tables.find((t) => t.id === 1);
  allTables ??= Array.from({ length: 101 }, (_, q) => ijgTables(Math.max(1, q)));
  let best = { quality: 0, error: Infinity };
  for (let q = 100; q >= 1; q--) {
    const [l, c] = allTables[q];
    let error = 0;
    for (let i = 0; i < 64; i++) error += Math.abs(luma.values[i] - l[i]);
    if (chroma) for (let i = 0; i < 64; i++) error += Math.abs(chroma.values[i] - c[i]);
    if (error < best.error) best = { quality: q, error };
  }
  return { quality: best.quality, exact: best.error === 0 };
}

/**
 * The IJG-equivalent quality a JPEG file was saved at, from its DQT segments; `null` for other formats.
 * @example estimateJpegQuality(await sharp(raw, { raw }).jpeg({ quality: 72 }).toBuffer()) // { quality: 72, exact: true }
 */
export function estimateJpegQuality(bytes: Uint8Array): JpegQualityEstimate | null {
  const tables = readQuantTables(bytes);
  return tables ? estimateQualityFromTables(tables) : null;
}

/**
 * Near-duplicate groups: images whose 64-bit perceptual hashes lie within a Hamming radius of each other (or whose
 * exact-content hashes are equal), joined transitively. Found with multi-index hashing (Norouzi, Punjani & Fleet,
 * "Fast search in Hamming space with multi-index hashing", CVPR 2012), not by comparing all pairs: the 64 bits are cut
 * into m substrings, each indexed in its own table; two hashes within radius r = m·s + a must agree to within s bits
 * on one of the first a + 1 substrings, or within s − 1 on one of the others, so only those table neighbourhoods are
 * probed. m is chosen for the number of hashes (substrings of about log₂ n bits), which keeps the work per hash close
 * to constant as n grows.
 */
import { invalidParameter } from '@bgfill/core';
import { hashWords, type HashHex } from './perceptual-hash.js';

/** One image to group: its perceptual hash and (optionally) its exact-content hash. */
export interface HashedItem {
  readonly hash: HashHex;
  readonly content?: string;
}

/** The Hamming radius used when none is given (see the package README for the measurements behind it). */
export const DEFAULT_HASH_RADIUS = 12;

/** Union–find whose root is always the smallest index of its set (so groups come out the same in any order). */
class DisjointSets {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root];
    while (this.parent[i] !== root) {
      const next = this.parent[i];
      this.parent[i] = root;
      i = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }
}

/** Bits [start, start + length) of a 64-bit value held as (hi, lo), bit 0 being the most significant; length ≤ 24. */
function bitsOf(hi: number, lo: number, start: number, length: number): number {
  const end = start + length;
  const mask = length >= 32 ? 0xffffffff : (1 << length) - 1;
  if (end <= 32) return (hi >>> (32 - end)) & mask;
  if (start >= 32) return (lo >>> (64 - end)) & mask;
  const fromHi = hi & ((1 << (32 - start)) - 1);
  return ((fromHi << (end - 32)) | (lo >>> (64 - end))) & mask;
}

/** Every `length`-bit mask with at most `radius` bits set (the probes of one substring), fewest bits first. */
function flipMasks(length: number, radius: number): Int32Array {
  const masks: number[] = [0];
  let frontier: Array<{ mask: number; next: number }> = [{ mask: 0, next: 0 }];
  for (let d = 1; d <= radius; d++) {
    const grown: Array<{ mask: number; next: number }> = [];
    for (const { mask, next } of frontier) {
      for (let b = next; b < length; b++) {
        const m = mask | (1 << b);
        masks.push(m);
        grown.push({ mask: m, next: b + 1 });
      }
    }
    frontier = grown;
  }
  return Int32Array.from(masks);
}

function binomialSum(n: number, k: number): number {
  let total = 0;
  let c = 1;
  for (let i = 0; i <= k && i <= n; i++) {
    total += c;
    c = (c * (n - i)) / (i + 1);
  }
  return total;
}

/** The substrings (start, length, probe radius) for m substrings at radius r. */
function substrings(m: number, r: number): Array<{ start: number; length: number; radius: number }> {
  const s = Math.floor(r / m);
  const a = r - s * m;
  const out: Array<{ start: number; length: number; radius: number }> = [];
  let start = 0;
  for (let j = 0; j < m; j++) {
    const length = Math.floor(64 / m) + (j < 64 % m ? 1 : 0);
    out.push({ start, length, radius: j <= a ? s : s - 1 });
    start += length;
  }
  return out;
}

/**
 * How many substrings to use for `n` hashes at radius `r`: the m (2–8, substrings of at most 24 bits) with the
 * smallest expected work per query — probes, plus candidates drawn from tables of n/2^length entries per bucket.
 */
export function substringCount(n: number, r: number): number {
  let best = { m: 4, cost: Infinity };
  for (let m = 3; m <= 8; m++) {
    const parts = substrings(m, r);
    if (parts.some((p) => p.length > 24)) continue;
    let cost = 0;
    for (const p of parts) if (p.radius >= 0) cost += binomialSum(p.length, p.radius) * (1 + n / 2 ** p.length);
    if (cost < best.cost) best = { m, cost };
  }
  return best.m;
}

/** What grouping found, for reports and benches. */
export interface GroupingResult {
  /** Groups of two or more item indices: members ascending, groups ordered by their first member. */
  readonly groups: number[][];
  /** Distinct perceptual hashes searched, and full 64-bit comparisons made. */
  readonly distinctHashes: number;
  readonly comparisons: number;
  readonly substrings: number;
}

/**
 * Group items whose perceptual hashes are within `radius` bits of each other, or whose content hashes are equal,
 * transitively (connected components). The result depends only on the items and their order.
 * @example groupNearDuplicates([{ hash: 'ff00ff00ff00ff00' }, { hash: 'ff00ff00ff00ff01' }, { hash: '00ff00ff00ff00ff' }], 4).groups // [[0, 1]]
 */
export function groupNearDuplicates(items: readonly HashedItem[], radius = DEFAULT_HASH_RADIUS): GroupingResult {
  if (!Number.isInteger(radius) || radius < 0 || radius > 32) throw invalidParameter('--hash-radius', 'an integer in [0, 32]', radius);
  const n = items.length;
  const sets = new DisjointSets(n);
  // Equal hashes (and equal contents) join at once; the search runs over distinct hashes only.
  const firstOfHash = new Map<string, number>();
  const firstOfContent = new Map<string, number>();
  const unique: number[] = [];
  for (let i = 0; i < n; i++) {
    const h = items[i].hash;
    const seen = firstOfHash.get(h);
    if (seen === undefined) {
      firstOfHash.set(h, i);
      unique.push(i);
    } else sets.union(seen, i);
    const c = items[i].content;
    if (c !== undefined) {
      const same = firstOfContent.get(c);
      if (same === undefined) firstOfContent.set(c, i);
      else sets.union(same, i);
    }
  }
  const u = unique.length;
  const hi = new Uint32Array(u);
  const lo = new Uint32Array(u);
  unique.forEach((i, k) => ([hi[k], lo[k]] = hashWords(items[i].hash)));
  const m = substringCount(u, radius);
  const parts = substrings(m, radius);
  let comparisons = 0;
  if (radius > 0 && u > 1) {
    // One table per substring, as counting-sorted buckets (CSR): bucket v holds the items whose substring is v.
    const tables = parts.map((p) => {
      const size = 2 ** p.length;
      const values = new Int32Array(u);
      const offsets = new Int32Array(size + 1);
      for (let k = 0; k < u; k++) {
        values[k] = bitsOf(hi[k], lo[k], p.start, p.length);
        offsets[values[k] + 1]++;
      }
      for (let v = 0; v < size; v++) offsets[v + 1] += offsets[v];
      const members = new Int32Array(u);
      const fill = offsets.slice(0, size);
      for (let k = 0; k < u; k++) members[fill[values[k]]++] = k;
      return { ...p, values, offsets, members, masks: p.radius >= 0 ? flipMasks(p.length, p.radius) : new Int32Array(0) };
    });
    // Table by table (each table's arrays stay in cache), each hash probing its neighbourhood; a bucket's members
    // are in ascending order, so it is read from the end down to the first member not after the query.
    for (const t of tables) {
      const { values, offsets, members, masks } = t;
      for (let k = 0; k < u; k++) {
        const h = hi[k];
        const l = lo[k];
        const v = values[k];
        for (let f = 0; f < masks.length; f++) {
          const bucket = v ^ masks[f];
          const first = offsets[bucket];
          for (let e = offsets[bucket + 1] - 1; e >= first; e--) {
            const other = members[e];
            if (other <= k) break; // each pair once, from its lower member
            comparisons++;
            let x = (h ^ hi[other]) >>> 0;
            let y = (l ^ lo[other]) >>> 0;
            x -= (x >>> 1) & 0x55555555;
            y -= (y >>> 1) & 0x55555555;
            x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
            y = (y & 0x33333333) + ((y >>> 2) & 0x33333333);
            const bits = ((((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24) + ((((y + (y >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24);
            if (bits <= radius) sets.union(unique[k], unique[other]);
          }
        }
      }
    }
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = sets.find(i);
    const list = byRoot.get(root);
    if (list) list.push(i);
    else byRoot.set(root, [i]);
  }
  const groups = [...byRoot.values()].filter((g) => g.length > 1).sort((a, b) => a[0] - b[0]);
  return { groups, distinctHashes: u, comparisons, substrings: m };
}

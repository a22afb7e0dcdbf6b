// Multi-index hashing against an all-pairs reference, on random hashes with planted near-duplicate clusters.
import test from 'ava';
import { rngFor } from '@bgfill/core';
import { groupNearDuplicates, substringCount } from '../src/hash-groups.js';
import { hammingDistance } from '../src/perceptual-hash.js';

function randomHex(rng: ReturnType<typeof rngFor>): string {
  let hex = '';
  for (let i = 0; i < 16; i++) hex += rng.int(0, 15).toString(16);
  return hex;
}

function flipBits(hex: string, bits: number, rng: ReturnType<typeof rngFor>): string {
  let v = BigInt(`0x${hex}`);
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(rng.int(0, 63));
  for (const b of chosen) v ^= 1n << BigInt(b);
  return v.toString(16).padStart(16, '0');
}

/** The slow, obvious way: every pair, union–find, components of two or more. */
function allPairs(hashes: readonly string[], radius: number): number[][] {
  const parent = hashes.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < hashes.length; i++) {
    for (let j = i + 1; j < hashes.length; j++) {
      if (hammingDistance(hashes[i], hashes[j]) <= radius) parent[Math.max(find(i), find(j))] = Math.min(find(i), find(j));
    }
  }
  const groups = new Map<number, number[]>();
  hashes.forEach((_, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), i]));
  return [...groups.values()].filter((g) => g.length > 1).sort((a, b) => a[0] - b[0]);
}

test('the same groups as comparing all pairs, at radii 0–20, with far fewer comparisons', (t) => {
  const rng = rngFor('hash-groups-test', 1);
  const hashes: string[] = [];
  for (let c = 0; c < 150; c++) {
    const centre = randomHex(rng);
    hashes.push(centre);
    const copies = rng.int(0, 3);
    for (let k = 0; k < copies; k++) hashes.push(flipBits(centre, rng.int(0, 18), rng));
  }
  for (const radius of [0, 1, 4, 8, 12, 16, 20]) {
    const fast = groupNearDuplicates(hashes.map((hash) => ({ hash })), radius);
    t.deepEqual(fast.groups, allPairs(hashes, radius), `radius ${radius}`);
    const pairs = (hashes.length * (hashes.length - 1)) / 2;
    if (radius <= 12) t.true(fast.comparisons < pairs / 5, `radius ${radius}: ${fast.comparisons} comparisons of ${pairs} pairs`);
  }
});

test('equal content hashes join whatever their perceptual hashes; equal hashes join at radius 0; order is by first member', (t) => {
  const items = [
    { hash: 'ffffffffffffffff', content: 'a' },
    { hash: '0000000000000000', content: 'b' },
    { hash: '0f0f0f0f0f0f0f0f', content: 'a' },
    { hash: '0000000000000000', content: 'c' },
    { hash: '123456789abcdef0', content: 'd' },
  ];
  t.deepEqual(groupNearDuplicates(items, 0).groups, [[0, 2], [1, 3]]);
});

test('substrings of about log2(n) bits: more hashes, longer substrings; bad radius is an error', (t) => {
  t.true(substringCount(100, 12) >= substringCount(1_000_000, 12));
  t.throws(() => groupNearDuplicates([], 40), { message: /--hash-radius/ });
});

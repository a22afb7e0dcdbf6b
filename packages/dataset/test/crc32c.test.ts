import test from 'ava';
import { readFile } from 'node:fs/promises';
import { crc32c, maskCrc, maskedCrc32c, unmaskCrc } from '../src/crc32c.js';

const fixtures = new URL('./fixtures/', import.meta.url);
interface Vectors {
  payloads_hex: string[];
  crc32c: number[];
  masked_crc32c: number[];
  crc32c_123456789: number;
}
const vectors = JSON.parse(await readFile(new URL('framing-vectors.json', fixtures), 'utf8')) as Vectors;

test('CRC-32C check value of "123456789" is 0xE3069283 (the published check value)', (t) => {
  t.is(crc32c(Buffer.from('123456789')), 0xe3069283);
  t.is(vectors.crc32c_123456789, 0xe3069283, 'the bit-by-bit Python reference agrees');
});

test('CRC-32C matches the iSCSI test patterns of RFC 3720 B.4', (t) => {
  t.is(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
  t.is(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  t.is(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  t.is(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
});

test('CRC-32C and masked CRC agree with the independent Python implementation', (t) => {
  vectors.payloads_hex.forEach((hex, i) => {
    const data = Buffer.from(hex, 'hex');
    t.is(crc32c(data), vectors.crc32c[i], `crc of payload ${i}`);
    t.is(maskedCrc32c(data), vectors.masked_crc32c[i], `masked crc of payload ${i}`);
  });
});

test('CRC-32C continues across chunks', (t) => {
  const data = Buffer.from('The quick brown fox jumps over the lazy dog');
  t.is(crc32c(data.subarray(10), crc32c(data.subarray(0, 10))), crc32c(data));
  t.is(crc32c(data), 0x22620404);
});

test('maskCrc follows the formula and unmaskCrc inverts it', (t) => {
  for (const crc of [0, 1, 0xffffffff, 0xe3069283, 0x80000000, 0x12345678]) {
    const expected = Number(((BigInt(crc) >> 15n) | ((BigInt(crc) << 17n) & 0xffffffffn)) + 0xa282ead8n) % 2 ** 32;
    t.is(maskCrc(crc), expected);
    t.is(unmaskCrc(maskCrc(crc)), crc);
  }
  t.is(maskCrc(0), 0xa282ead8, 'the empty payload stores the mask delta itself');
});

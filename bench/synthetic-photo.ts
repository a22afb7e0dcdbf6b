// Photo-like synthetic JPEGs for the dataset benches.
import sharp from 'sharp';

/**
 * Photo-like content: smooth gradients plus noise, so JPEG decode and encode do real work (JPEG quality 90).
 * @example const jpeg = await photo(2048, 1536, 3)
 */
export async function photo(width: number, height: number, seed: number): Promise<Buffer> {
  const small = Buffer.alloc((width >> 3) * (height >> 3) * 3);
  let s = seed * 2654435761;
  for (let i = 0; i < small.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    small[i] = s >>> 24;
  }
  const base = await sharp(small, { raw: { width: width >> 3, height: height >> 3, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  for (let i = 0; i < base.length; i += 7) base[i] = (base[i] + ((i * 31 + seed) & 31)) & 255;
  return sharp(base, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

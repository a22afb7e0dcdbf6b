import { extname } from 'node:path';
import sharp from 'sharp';
import { atomicWriteFile, invalidParameter } from '@bgfill/core';
import type { RgbImageLike } from './inpaint.js';

/** Image formats bgfill inpaint reads (what sharp decodes) and writes. */
export const INPUT_IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff', 'gif', 'avif'] as const;
export const OUTPUT_IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff'] as const;

/**
 * Encode an RGB image by the extension of `path` (PNG lossless and deterministic; JPEG and WebP at quality 95)
 * and write it atomically.
 * @example await writeRgbImage('out/0001.png', result);
 */
export async function writeRgbImage(path: string, image: RgbImageLike): Promise<void> {
  const ext = extname(path).slice(1).toLowerCase();
  const pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  let encoded: Buffer;
  switch (ext) {
    case 'png':
      encoded = await pipeline.png({ compressionLevel: 6, adaptiveFiltering: false, palette: false }).toBuffer();
      break;
    case 'jpg':
    case 'jpeg':
      encoded = await pipeline.jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
      break;
    case 'webp':
      encoded = await pipeline.webp({ quality: 95 }).toBuffer();
      break;
    case 'tif':
    case 'tiff':
      encoded = await pipeline.tiff({ compression: 'lzw' }).toBuffer();
      break;
    default:
      throw invalidParameter('output file', `a name ending in .${OUTPUT_IMAGE_EXTENSIONS.join(', .')}`, path);
  }
  await atomicWriteFile(path, encoded);
}

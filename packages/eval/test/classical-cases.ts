// Images with holes for the classical fills' tests: the cv2 fixtures (real photos at 128–192 px with person-shaped
// holes, some at the edges, and two synthetic images; fixtures/classical/make_fixtures.py).
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Mask } from '@bgfill/masks';
import { readMaskImage, readRgbImage } from '../src/image-io.js';
import type { RgbImage } from '../src/metrics/image.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/classical/', import.meta.url));

/** An image, its hole and a name for messages. */
export interface FillCase {
  name: string;
  image: RgbImage;
  mask: Mask;
}

/** Every cv2 fixture's image and mask (`fixture <id>`), in name order. */
export async function fixtureCases(): Promise<FillCase[]> {
  const out: FillCase[] = [];
  for (const name of (await readdir(FIXTURES)).filter((f) => f.endsWith('-image.png')).sort()) {
    const id = name.slice(0, -'-image.png'.length);
    out.push({ name: `fixture ${id}`, image: await readRgbImage(`${FIXTURES}${name}`), mask: await readMaskImage(`${FIXTURES}${id}-mask.png`) });
  }
  return out;
}

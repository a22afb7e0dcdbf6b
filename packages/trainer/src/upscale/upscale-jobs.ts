import { basename, extname, join } from 'node:path';
import { BgfillError } from '@bgfill/core';
import { INPUT_IMAGE_EXTENSIONS, OUTPUT_IMAGE_EXTENSIONS } from '../inference/image-file.js';
import { byStem, endsWithSeparator, kind, listImages, stem, type JobProblem } from '../inference/jobs.js';

/** One image to upscale and where its result goes. */
export interface UpscaleJob {
  image: string;
  out: string;
}

function checkOutputName(out: string, subject: string): void {
  const ext = extname(out).slice(1).toLowerCase();
  if (!(OUTPUT_IMAGE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new BgfillError(`--out ${out}: the file name must end in .${OUTPUT_IMAGE_EXTENSIONS.join(', .')}`, { subject });
  }
}

/**
 * Turn `--image` and `--out` into jobs, as `bgfill inpaint` does: a single image writes to `--out` itself (or to
 * `OUT/<name>.png` when `--out` is an existing folder or ends in a separator); a folder of images writes
 * `OUT/<name>.png` for each, and `--out` must then be a folder. Two images with the same name (a.png, a.jpg)
 * become problems, since their outputs would collide.
 * @example const { jobs, problems } = await planUpscaleJobs('photos/', 'big/');
 */
export async function planUpscaleJobs(image: string, out: string): Promise<{ jobs: UpscaleJob[]; problems: JobProblem[] }> {
  const imageKind = await kind(image);
  if (imageKind === 'missing') throw new BgfillError(`${image}: no such file or folder`, { subject: image });
  const outKind = await kind(out);
  if (imageKind === 'file') {
    const target = endsWithSeparator(out) || outKind === 'dir' ? join(out, `${stem(image)}.png`) : out;
    checkOutputName(target, out);
    return { jobs: [{ image, out: target }], problems: [] };
  }
  const looksLikeFile = outKind === 'missing' && !endsWithSeparator(out) && (OUTPUT_IMAGE_EXTENSIONS as readonly string[]).includes(extname(out).slice(1).toLowerCase());
  if (outKind === 'file' || looksLikeFile) {
    throw new BgfillError(`--out ${out}: must be a folder when --image is a folder${looksLikeFile ? ' (this reads as a file name; give a folder such as out/)' : ''}`, { subject: out });
  }
  const images = byStem(await listImages(image));
  if (images.size === 0) throw new BgfillError(`${image}: no ${INPUT_IMAGE_EXTENSIONS.join('/')} images in this folder`, { subject: image });
  const jobs: UpscaleJob[] = [];
  const problems: JobProblem[] = [];
  for (const [name, files] of images) {
    if (files.length === 1) jobs.push({ image: files[0], out: join(out, `${name}.png`) });
    else for (const f of files) problems.push({ file: f, reason: `${files.length} images are named "${name}" (${files.map((x) => basename(x)).join(', ')}); their outputs would collide` });
  }
  return { jobs, problems };
}

import { access, realpath, stat } from 'node:fs/promises';
import { basename, extname, join, sep } from 'node:path';
import fg from 'fast-glob';
import { BgfillError, checkOutputPath, type OutputPathOptions } from '@bgfill/core';
import { INPUT_IMAGE_EXTENSIONS, OUTPUT_IMAGE_EXTENSIONS } from './image-file.js';

/** One image to inpaint: its files, and where its results go. */
export interface InpaintJob {
  /** The image's file name without extension: what images, masks and outputs are matched by. */
  name: string;
  image: string;
  /** The hole mask or segmentation map for this image. */
  mask: string;
  out: string;
  /** The NPY file for the raw refined output, when asked for. */
  raw?: string;
  /** The PNG file for the hole mask as used (`--save-mask`), when asked for. */
  maskOut?: string;
}

/**
 * Whether every output of `job` — the image, and the raw and mask files when asked for — is on disk already: an
 * interrupted run keeps such a job as it is (unless --overwrite).
 * @example if (!options.overwrite && (await jobDone(job))) existing.push(job.out);
 */
export async function jobDone(job: Pick<InpaintJob, 'out' | 'raw' | 'maskOut'>): Promise<boolean> {
  for (const file of [job.out, job.raw, job.maskOut]) {
    if (file !== undefined && !(await access(file).then(() => true, () => false))) return false;
  }
  return true;
}

/** An input that could not become a job (reported, the others still run). */
export interface JobProblem {
  file: string;
  reason: string;
}

export interface PlanJobsOptions {
  /** An image file or a folder of images. */
  image: string;
  /** A mask file (used for every image) or a folder of masks matched to images by name. */
  mask: string;
  /** An output file (single image) or folder. */
  out: string;
  /** An NPY file (single image) or folder for the raw outputs. */
  saveRaw?: string;
  /** A PNG file (single image) or folder for the hole masks. */
  saveMask?: string;
}

async function kind(path: string): Promise<'file' | 'dir' | 'missing'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

function stem(path: string): string {
  return basename(path, extname(path));
}

/** Image files directly inside a folder, sorted by name (so job order, and thus output, never depends on the OS). */
async function listImages(dir: string): Promise<string[]> {
  const pattern = `${fg.convertPathToPattern(dir)}/*.{${INPUT_IMAGE_EXTENSIONS.join(',')}}`;
  const files = await fg(pattern, { onlyFiles: true, dot: false, caseSensitiveMatch: false });
  return files.sort();
}

/** Group files by stem; stems with several files (a.png and a.jpg) are ambiguous. */
function byStem(files: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const f of files) map.set(stem(f), [...(map.get(stem(f)) ?? []), f]);
  return map;
}

function endsWithSeparator(path: string): boolean {
  return path.endsWith(sep) || path.endsWith('/');
}

/**
 * A single image's extra output (`--save-raw`, `--save-mask`), as --out: a file ending in `.ext`, or a folder that
 * exists or ends in a separator (then `<folder>/<name>.ext`); undefined when not asked for.
 */
async function sideFile(flag: string, path: string | undefined, ext: string, name: string): Promise<string | undefined> {
  if (path === undefined) return undefined;
  const isDir = endsWithSeparator(path) || (await kind(path)) === 'dir';
  if (!isDir && !path.toLowerCase().endsWith(`.${ext}`)) {
    throw new BgfillError(`${flag} ${path}: the file name must end in .${ext} (or give a folder, ending in /)`, { subject: path });
  }
  return isDir ? join(path, `${name}.${ext}`) : path;
}

/** checkOutputPath, with the flag named in its refusal (`--save-mask holes: is the input folder; …`). */
async function checkOutput(flag: string, path: string, options: OutputPathOptions): Promise<string> {
  try {
    return await checkOutputPath(path, options);
  } catch (err) {
    if (err instanceof BgfillError) throw new BgfillError(`${flag} ${err.message}`, { subject: path, cause: err });
    throw err;
  }
}

/**
 * The output rules, checked before any work: every output can be written (nothing on the way to it is a file); no
 * output is an input (`--out photos/` beside `--image photos/` would replace the photos, or take them for finished
 * outputs) or a folder holding one; and each output has its own file or folder, so that no side output
 * (`--save-mask`, `--save-raw`) lands on `--out` or on another side output and is silently lost.
 */
async function checkOutputs(outputs: ReadonlyArray<readonly [flag: string, path: string | undefined]>, kind: 'file' | 'folder', inputs: readonly string[]): Promise<void> {
  const inputReals = new Map<string, string>();
  for (const input of inputs) inputReals.set(await realpath(input), input);
  const taken = new Map<string, string>();
  for (const [flag, path] of outputs) {
    if (path === undefined) continue;
    const real = await checkOutput(flag, path, { kind, inputs, hint: kind === 'folder' ? 'give a folder (--image is a folder)' : 'give a file name' });
    const input = inputReals.get(real);
    if (input !== undefined) throw new BgfillError(`${flag} ${path}: is the input ${input}; write the output elsewhere`, { subject: path });
    const other = taken.get(real);
    if (other !== undefined) throw new BgfillError(`${flag} ${path}: is also ${other}'s ${kind}; give each output its own ${kind}`, { subject: path });
    taken.set(real, flag);
  }
}

/**
 * Turn `--image`, `--mask`/`--mask-from`, `--out`, `--save-raw` and `--save-mask` into jobs. A folder of images is matched to a
 * folder of masks by file name without extension (`a.jpg` ↔ `a.png`), and writes `OUT/<name>.png` (and
 * `RAW/<name>.npy`); a single image writes to `--out` itself unless it names an existing folder or ends in a
 * separator (so do `--save-raw` and `--save-mask`, writing `<name>.npy` and `<name>.png`). Images without a mask, and
 * names shared by two images or two masks, become problems.
 * @example const { jobs, problems } = await planJobs({ image: 'photos/', mask: 'masks/', out: 'filled/' });
 */
export async function planJobs(options: PlanJobsOptions): Promise<{ jobs: InpaintJob[]; problems: JobProblem[] }> {
  const imageKind = await kind(options.image);
  if (imageKind === 'missing') throw new BgfillError(`${options.image}: no such file or folder`, { subject: options.image });
  const maskKind = await kind(options.mask);
  if (maskKind === 'missing') throw new BgfillError(`${options.mask}: no such file or folder`, { subject: options.mask });
  const problems: JobProblem[] = [];
  const jobs: InpaintJob[] = [];

  if (imageKind === 'file') {
    if (maskKind === 'dir') throw new BgfillError(`${options.mask}: a mask folder needs an image folder (--image is a file)`, { subject: options.mask });
    const outIsDir = endsWithSeparator(options.out) || (await kind(options.out)) === 'dir';
    const out = outIsDir ? join(options.out, `${stem(options.image)}.png`) : options.out;
    const ext = extname(out).slice(1).toLowerCase();
    if (!(OUTPUT_IMAGE_EXTENSIONS as readonly string[]).includes(ext)) {
      throw new BgfillError(`--out ${out}: the file name must end in .${OUTPUT_IMAGE_EXTENSIONS.join(', .')}`, { subject: options.out });
    }
    const raw = await sideFile('--save-raw', options.saveRaw, 'npy', stem(options.image));
    const maskOut = await sideFile('--save-mask', options.saveMask, 'png', stem(options.image));
    await checkOutputs([['--out', out], ['--save-raw', raw], ['--save-mask', maskOut]], 'file', [options.image, options.mask]);
    jobs.push({ name: stem(options.image), image: options.image, mask: options.mask, out, ...(raw ? { raw } : {}), ...(maskOut ? { maskOut } : {}) });
    return { jobs, problems };
  }

  // A folder of images writes into folders: an existing file, or a new name that reads as a file name
  // (filled.png, raw.npy), is refused rather than turned into a folder of that name.
  for (const [flag, path, fileExtensions] of [
    ['--out', options.out, OUTPUT_IMAGE_EXTENSIONS],
    ['--save-raw', options.saveRaw, ['npy']],
    ['--save-mask', options.saveMask, ['png']],
  ] as const) {
    if (path === undefined) continue;
    const pathKind = await kind(path);
    const looksLikeFile = pathKind === 'missing' && !endsWithSeparator(path) && (fileExtensions as readonly string[]).includes(extname(path).slice(1).toLowerCase());
    if (pathKind === 'file' || looksLikeFile) {
      throw new BgfillError(`${flag} ${path}: must be a folder when --image is a folder${looksLikeFile ? ' (this reads as a file name; give a folder such as out/)' : ''}`, {
        subject: path,
      });
    }
  }
  await checkOutputs([['--out', options.out], ['--save-raw', options.saveRaw], ['--save-mask', options.saveMask]], 'folder', [options.image, options.mask]);
  const images = byStem(await listImages(options.image));
  if (images.size === 0) throw new BgfillError(`${options.image}: no ${INPUT_IMAGE_EXTENSIONS.join('/')} images in this folder`, { subject: options.image });
  const masks = maskKind === 'dir' ? byStem(await listImages(options.mask)) : null;
  for (const [name, files] of images) {
    if (files.length > 1) {
      for (const f of files) problems.push({ file: f, reason: `${files.length} images are named "${name}" (${files.map((x) => basename(x)).join(', ')}); their outputs would collide` });
      continue;
    }
    let mask = options.mask;
    if (masks) {
      const found = masks.get(name) ?? [];
      if (found.length !== 1) {
        problems.push({
          file: files[0],
          reason: found.length === 0 ? `no mask named "${name}.*" in ${options.mask}` : `several masks are named "${name}" (${found.map((x) => basename(x)).join(', ')})`,
        });
        continue;
      }
      mask = found[0];
    }
    const raw = options.saveRaw !== undefined ? join(options.saveRaw, `${name}.npy`) : undefined;
    const maskOut = options.saveMask !== undefined ? join(options.saveMask, `${name}.png`) : undefined;
    jobs.push({ name, image: files[0], mask, out: join(options.out, `${name}.png`), ...(raw ? { raw } : {}), ...(maskOut ? { maskOut } : {}) });
  }
  return { jobs, problems };
}

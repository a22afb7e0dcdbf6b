import { BgfillError, badFile, errorMessage, invalidParameter } from '@bgfill/core';
import { CHECKPOINT_FORMAT, UNMARKED_CHECKPOINT_ARCH, checkGeneratorFile, readWeightFile, weightFileIn, type WeightFile } from '../weights/checkpoint.js';
import { selectGenerator } from '../weights/generator-prefix.js';
import { otherNetHint } from '../weights/other-nets.js';
import { inpaintSaNet } from './inpaintsanet.js';
import { keyOverlap, nearestName, type KeyOverlap } from './key-overlap.js';
import { rfrNet } from './rfrnet.js';
import { ARCH_NAMES, type ArchName } from './names.js';
import type { InpaintNet } from './net.js';
import type { ArchLoadOptions, Architecture } from './types.js';

/** Every architecture bgfill knows, in `ARCH_NAMES` order (the first is the default of a fresh `bgfill train`). */
export const ARCHITECTURES: readonly Architecture[] = [inpaintSaNet, rfrNet];

/** The architecture a fresh network gets when nothing names one. */
export const DEFAULT_ARCH: ArchName = 'inpaintsanet';

/**
 * A file's keys must share at least this fraction of the union of its keys and an architecture's (Jaccard index)
 * for the architecture to be chosen without `--arch`; below it, strict loading refuses the file.
 */
export const DETECTION_MIN_OVERLAP = 0.5;

/**
 * The architecture called `name`. An unknown name is a BgfillError naming `flag`, the known names and the nearest
 * one by spelling.
 * @example architectureNamed('rfrnet').title // → 'RFR-Net (…)'
 */
export function architectureNamed(name: string, flag = '--arch'): Architecture {
  const found = ARCHITECTURES.find((a) => a.name === name);
  if (found) return found;
  const nearest = nearestName(String(name).toLowerCase(), ARCH_NAMES);
  throw invalidParameter(flag, `one of ${ARCH_NAMES.join(', ')}${nearest ? ` (nearest: ${nearest})` : ''}`, name);
}

/**
 * `--arch` as given (undefined: detect from the weights), checked.
 * @example parseArchOption('rfrnet') // → 'rfrnet'; parseArchOption('rfr') throws, naming rfrnet
 */
export function parseArchOption(text: string | undefined, flag = '--arch'): ArchName | undefined {
  return text === undefined ? undefined : architectureNamed(text, flag).name;
}

/** How one architecture fits a file's keys. */
export interface ArchFit {
  arch: Architecture;
  overlap: KeyOverlap;
  /** The name prefix the architecture's anchor key was found under ('' at the top level). */
  prefix: string;
}

/**
 * How each architecture fits the weights of a file, best first: key overlap against the keys it would expect for
 * the config these weights suggest, after finding its anchor key under a name prefix if need be.
 * @example fitArchitectures(file)[0].arch.name // → 'rfrnet' for the authors' checkpoint
 */
export function fitArchitectures(file: WeightFile): ArchFit[] {
  const fits = ARCHITECTURES.map((arch): ArchFit => {
    let selection = { weights: file.weights, prefix: '' };
    try {
      selection = selectGenerator(file.weights, file.source, undefined, arch.anchorKey);
    } catch {
      // several candidate prefixes: the architecture's own loader names them if it is chosen
    }
    return { arch, overlap: keyOverlap([...selection.weights.keys()], arch.expectedKeys(selection.weights)), prefix: selection.prefix };
  });
  return fits.sort((a, b) => b.overlap.score - a.overlap.score);
}

function describeFit(fit: ArchFit): string {
  const { shared, expected } = fit.overlap;
  return `${fit.arch.name} (${fit.arch.title}), sharing ${shared} of its ${expected} keys${fit.prefix ? ` under "${fit.prefix}"` : ''}`;
}

/**
 * `--arch` given for a file whose keys clearly fit another architecture and not this one: refused naming the one
 * they fit (a strict load would list every key of both). A file that fits none is left to the loader, which names
 * every key that differs.
 */
function refuseOtherFit(file: WeightFile, arch: Architecture): void {
  const fits = fitArchitectures(file);
  const own = fits.find((f) => f.arch === arch);
  const [best] = fits;
  if (best.arch === arch || best.overlap.score < DETECTION_MIN_OVERLAP || (own !== undefined && own.overlap.score >= DETECTION_MIN_OVERLAP)) return;
  throw new BgfillError(
    `${file.source}: its keys fit ${describeFit(best)}, not ${arch.name}${own ? ` (sharing ${own.overlap.shared} of its ${own.overlap.expected} keys)` : ''}: ` +
      `leave out --arch or give --arch ${best.arch.name}`,
    { subject: file.source },
  );
}

/**
 * Which architecture a weight file holds: the one `requested` (`--arch`), else the one a bgfill checkpoint stores
 * (InpaintSANet where it stores none: UNMARKED_CHECKPOINT_ARCH), else the one whose keys overlap the file's most. A file whose keys fit no architecture (overlap under
 * DETECTION_MIN_OVERLAP) is refused naming the nearest, unless `strict` is false and the nearest shares a key
 * (it is then chosen, with a note). A checkpoint that stores another architecture than the requested one is refused,
 * and so is (when strict) a file whose keys fit another architecture and not the requested one.
 * @example resolveArchitecture(await readWeightFile('rfrnet.pth')).name // → 'rfrnet'
 */
export function resolveArchitecture(file: WeightFile, requested?: string, options: Pick<ArchLoadOptions, 'strict' | 'onNote'> = {}): Architecture {
  const bgfill = file.metadata.format === CHECKPOINT_FORMAT;
  const stored = bgfill ? (file.metadata.arch ?? UNMARKED_CHECKPOINT_ARCH) : undefined;
  if (requested !== undefined) {
    const arch = architectureNamed(requested);
    if (stored !== undefined && stored !== arch.name) {
      throw new BgfillError(`${file.source}: this bgfill checkpoint holds a ${stored} network, not ${arch.name}: leave out --arch or give --arch ${stored}`, {
        subject: file.source,
      });
    }
    if (stored === undefined && options.strict !== false) refuseOtherFit(file, arch);
    return arch;
  }
  if (stored !== undefined) {
    try {
      return architectureNamed(stored, `${file.source}: the stored architecture`);
    } catch (err) {
      throw new BgfillError(`${errorMessage(err)} (a checkpoint from a newer bgfill?)`, { subject: file.source, cause: err });
    }
  }
  if (file.weights.size === 0) throw new BgfillError(`${file.source}: holds no tensors: not network weights`, { subject: file.source });
  const [best] = fitArchitectures(file);
  if (best.overlap.score >= DETECTION_MIN_OVERLAP) return best.arch;
  // A net bgfill knows by another use (U²-Net segmentation weights): say what it is rather than the nearest fit.
  const otherNet = otherNetHint(file.weights);
  if (otherNet) throw badFile(file.source, otherNet);
  if (options.strict === false && best.overlap.shared > 0) {
    options.onNote?.(`${file.source}: its keys fit no architecture well; loading it as the nearest, ${describeFit(best)}`);
    return best.arch;
  }
  const sample = [...file.weights.keys()].slice(0, 4).join(', ');
  throw new BgfillError(
    `${file.source}: its ${file.weights.size} tensors (${sample}${file.weights.size > 4 ? ', …' : ''}) fit no architecture bgfill knows; ` +
      `the nearest by key overlap is ${describeFit(best)}. Give --arch ${best.arch.name} to load it as one and see every key that differs`,
    { subject: file.source },
  );
}

/**
 * Load a network of any architecture from a weight file (PyTorch .pth in any of the layouts the architectures
 * know, safetensors, a bgfill checkpoint, or an epoch folder), picking the architecture as resolveArchitecture does.
 * @example
 * const net = await loadInpaintNet('RFRNet_places2.pth'); // net.arch → 'rfrnet'
 * const g = await loadInpaintNet('runs/a/epoch-0003', { arch: 'inpaintsanet' });
 */
export async function loadInpaintNet(path: string, options: ArchLoadOptions & { arch?: string } = {}): Promise<InpaintNet> {
  const file = await readWeightFile(await weightFileIn(path, options.onNote));
  checkGeneratorFile(file);
  const arch = resolveArchitecture(file, options.arch, options);
  return arch.fromFile(file, options);
}

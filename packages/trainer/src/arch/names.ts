/** The architectures bgfill knows, by the name `--arch` takes and checkpoints store. */
export const ARCH_NAMES = ['inpaintsanet', 'rfrnet'] as const;
export type ArchName = (typeof ARCH_NAMES)[number];

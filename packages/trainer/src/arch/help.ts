import { ARCH_NAMES } from './names.js';

/** The `--arch` option's help, shared by every command that takes it (no heavy imports: `bgfill --help` loads it). */
export const ARCH_OPTION_HELP =
  `network architecture: ${ARCH_NAMES.join(' or ')} (default: the one a bgfill checkpoint stores, else the one whose ` +
  'state_dict keys the file matches; a file that matches none is refused, naming the nearest)';

// Build one of packages/eval's WebAssembly kernels in memory, as `pnpm --filter @bgfill/eval run build:wasm` does on
// disk: the kernel tests compare the release build with the committed file, and run a bounds-checked build beside it.
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const PACKAGE = fileURLToPath(new URL('../', import.meta.url));

/** The `target` of an asconfig file in packages/eval (`asconfig.json`: the fills; `asconfig.metrics.json`: the metrics). */
export async function buildKernel(config: string, target: 'release' | 'checked'): Promise<Uint8Array> {
  let binary: Uint8Array | undefined;
  const stderr: string[] = [];
  const { error } = await asc.main(['--baseDir', PACKAGE, '--config', config, '--target', target, '--outFile', 'kernel.wasm'], {
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm') && contents instanceof Uint8Array) binary = contents;
    },
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr.push(text), true) },
  } as Parameters<typeof asc.main>[1]);
  if (error || !binary) throw new Error(`asc ${config} ${target}: ${error?.message ?? 'no output'}\n${stderr.join('')}`);
  return binary;
}

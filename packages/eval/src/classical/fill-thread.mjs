// A fill thread (started by fill-threads.ts): runs fills.wasm on the images posted to it and posts each result back.
// Plain JavaScript, started without the TypeScript loader, so that a thread is ready in tens of milliseconds where
// one loading the TypeScript sources takes most of a second. The calls into the kernel are FillKernel.fill's
// (fill-kernel.ts); test/fill-threads.test.ts checks that both give the same bytes.
import { parentPort, workerData } from 'node:worker_threads';

/** An instance keeps its memory at its largest; past this size it is made afresh after the fill (as WasmKernel does). */
const KEEP_MEMORY_BYTES = 64 * 2 ** 20;
const env = {
  abort() {
    throw new WebAssembly.RuntimeError('the fill kernel aborted');
  },
};
let fills;

function copyIn(bytes) {
  const at = fills.allocate(bytes.length);
  new Uint8Array(fills.memory.buffer, at, bytes.length).set(bytes);
  return at;
}

parentPort.on('message', ({ id, method, image, mask, width, height, radius }) => {
  try {
    fills ??= new WebAssembly.Instance(workerData.module, { env }).exports;
    fills.reset();
    const at = copyIn(image);
    const hole = copyIn(mask);
    if (method === 'telea') fills.telea(at, hole, width, height, radius);
    else fills.navierStokes(at, hole, width, height, radius);
    image.set(new Uint8Array(fills.memory.buffer, at, image.length));
    if (fills.memory.buffer.byteLength > KEEP_MEMORY_BYTES) fills = undefined;
    parentPort.postMessage({ id, image }, [image.buffer]);
  } catch (error) {
    fills = undefined;
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});

// Loaded into every ava worker (package.json → ava.require).
//
// AVA 6 and later no longer end a worker process once its tests are done: anything that still keeps the event loop
// alive (a child process, a socket, a native thread pool's handle) holds the worker open until ava's inactivity
// timeout, and the run then fails with every test passed and no test named. That happened once in CI (2026-11-26:
// "475 passed", exit code 1 after 934 s, 10 minutes of it waiting) and never here. A finished worker gets a grace
// period to end by itself; past it, this names the test file and what is still open (on stderr, which the TAP
// output carries) and ends the worker, so the suite neither hangs nor hides the cause.
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { registerCompletionHandler } from 'ava';

const GRACE_MS = 5000;

/** The test file this worker runs, from ava's worker options (a private module, so any failure gives undefined). */
function testFile(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const options = require(join(dirname(require.resolve('ava')), '..', 'lib', 'worker', 'options.cjs')) as { get(): { file?: string } };
    const file = options.get().file;
    return file ? relative(process.cwd(), file.startsWith('file:') ? new URL(file).pathname : file) : undefined;
  } catch {
    return undefined;
  }
}

registerCompletionHandler(() => {
  const timer = setTimeout(() => {
    const open = process.getActiveResourcesInfo();
    process.stderr.write(
      `# ava worker for ${testFile() ?? `pid ${process.pid}`}: tests done ${GRACE_MS / 1000} s ago but still open: ` +
        `${open.join(', ') || 'nothing named'}; ending it\n`,
    );
    process.exit(0);
  }, GRACE_MS);
  timer.unref();
});

#!/usr/bin/env node
// Runs the ava suite with TAP output, passes it through, and ends with the line CI reads:
// "N passed, N failed" (", N skipped" when any were skipped). Extra arguments go to ava.
// Tests write their scratch folders under os.tmpdir(): the run gets a fresh one (TMPDIR), removed when every test
// passed and kept, with its path printed, when one failed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const avaCli = fileURLToPath(new URL('../node_modules/ava/entrypoints/cli.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'bgfill-tests-'));
const child = spawn(process.execPath, [avaCli, '--tap', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, TMPDIR: scratch },
});

let passed = 0;
let failed = 0;
let skipped = 0;
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  process.stdout.write(`${line}\n`);
  if (/^not ok\b/.test(line)) {
    if (/#\s*TODO\b/i.test(line)) skipped++;
    else failed++;
  } else if (/^ok\b/.test(line)) {
    if (/#\s*(SKIP|TODO)\b/i.test(line)) skipped++;
    else passed++;
  }
});

child.on('close', (code, signal) => {
  // A crash that TAP did not count as a failure still fails the run; say what happened, since no test names it
  // (ava exits 1 without a "not ok" line when, for example, its inactivity timeout ends a worker that had finished).
  if ((code !== 0 || signal) && failed === 0) {
    failed = 1;
    process.stdout.write(`# ava ${signal ? `was killed by ${signal}` : `exited with code ${code}`} though no TAP line failed: counted as 1 failure\n`);
  }
  if (failed === 0) rmSync(scratch, { recursive: true, force: true });
  else process.stdout.write(`# the tests' scratch files are kept in ${scratch}\n`);
  process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exitCode = code === 0 && failed === 0 ? 0 : 1;
});

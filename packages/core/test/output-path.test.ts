import test from 'ava';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BgfillError, checkOutputPath } from '@bgfill/core';

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-output-path-'));
  await mkdir(join(dir, 'folder'));
  await writeFile(join(dir, 'file.png'), 'x');
  return dir;
}

const refused = async (t: import('ava').ExecutionContext, promise: Promise<unknown>): Promise<string> => {
  const err = await t.throwsAsync(promise, { instanceOf: BgfillError });
  return err?.message ?? '';
};

test('a folder output: existing folder or creatable path pass; a file, or a file on the way, is refused', async (t) => {
  const dir = await scratch();
  t.is(await checkOutputPath(join(dir, 'folder'), { kind: 'folder' }), join(dir, 'folder'));
  t.is(await checkOutputPath(join(dir, 'new', 'deeper'), { kind: 'folder' }), join(dir, 'new', 'deeper'));
  t.is(await refused(t, checkOutputPath(join(dir, 'file.png'), { kind: 'folder' })), `${join(dir, 'file.png')}: exists and is not a folder`);
  t.regex(await refused(t, checkOutputPath(join(dir, 'file.png', 'below'), { kind: 'folder' })), /below: cannot be created: .*file\.png is a file, not a folder$/);
});

test('a file output: a folder is refused with the hint; an existing file only with overwrite; extensions are checked', async (t) => {
  const dir = await scratch();
  const file = join(dir, 'file.png');
  t.is(await checkOutputPath(file, { kind: 'file' }), file, 'replaced atomically by default');
  t.is(await refused(t, checkOutputPath(file, { kind: 'file', overwrite: false })), `${file}: exists; pass --overwrite to replace it`);
  t.is(await checkOutputPath(file, { kind: 'file', overwrite: true }), file);
  t.is(await refused(t, checkOutputPath(join(dir, 'folder'), { kind: 'file', hint: 'give the .png file' })), `${join(dir, 'folder')}: is a folder; give the .png file`);
  t.is(
    await refused(t, checkOutputPath(join(dir, 'a.jpg'), { kind: 'file', extensions: ['.png'], what: 'the sheet' })),
    `${join(dir, 'a.jpg')}: the sheet is written as .png: give a file name ending in .png`,
  );
  t.is(await checkOutputPath(join(dir, 'A.PNG'), { kind: 'file', extensions: ['.png'] }), join(dir, 'A.PNG'));
  t.regex(await refused(t, checkOutputPath(join(file, 'x.png'), { kind: 'file' })), /x\.png: cannot be created: .*file\.png is a file, not a folder$/);
});

test('a folder output stays apart from its inputs, symlinks resolved', async (t) => {
  const dir = await scratch();
  const input = join(dir, 'folder');
  await symlink(input, join(dir, 'link'));
  t.regex(await refused(t, checkOutputPath(join(dir, 'link'), { kind: 'folder', inputs: [input] })), /link: is the input folder/);
  t.regex(await refused(t, checkOutputPath(dir, { kind: 'folder', inputs: [input] })), /contains the input folder/);
  t.truthy(await checkOutputPath(join(input, 'out'), { kind: 'folder', inputs: [input] }), 'inside the input is allowed by default');
  t.regex(
    await refused(t, checkOutputPath(join(dir, 'link', 'out'), { kind: 'folder', inputs: [input], insideInput: 'refuse' })),
    /is inside the input folder/,
  );
  t.truthy(await checkOutputPath(join(dir, 'beside'), { kind: 'folder', inputs: [input], insideInput: 'refuse' }));
  t.regex(await refused(t, checkOutputPath(dir, { kind: 'folder', inputs: [join(dir, 'file.png')] })), /contains the input file .*file\.png; write to a folder/);
});

// /proc/sys cannot be written by anyone, root included (a folder made read-only with chmod still is by root).
(process.platform === 'linux' ? test : test.skip)('an output where nothing can be written is refused before any work, naming the folder', async (t) => {
  t.is(
    await refused(t, checkOutputPath('/proc/sys/bgfill-out/deeper', { kind: 'folder' })),
    '/proc/sys/bgfill-out/deeper: cannot be written: no write access to /proc/sys (EACCES)',
  );
  t.is(await refused(t, checkOutputPath('/proc/sys', { kind: 'folder' })), '/proc/sys: cannot be written: no write access to it (EACCES)');
  t.regex(await refused(t, checkOutputPath('/proc/sys/sheet.png', { kind: 'file' })), /^\/proc\/sys\/sheet\.png: cannot be written: no write access to \/proc\/sys/);
});

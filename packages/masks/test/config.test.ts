import test from 'ava';
import { parseMaskConfig, type MaskConfig } from '../src/config.js';
import { BgfillError } from '@bgfill/core';
import { STRATEGY_NAMES } from '../src/registry.js';
import { formatMaskConfig } from '../src/short-form.js';

const scribbleDefaults = parseMaskConfig({ strategy: 'scribble' });

test('a bare name fills every default from the strategy schema', (t) => {
  t.deepEqual(parseMaskConfig('person-box'), { strategy: 'person-box', mode: 'compatible' });
  const s = parseMaskConfig('scribble');
  t.is(s.strategy, 'scribble');
  t.deepEqual((s as { count: unknown }).count, [1, 3]);
});

test('objects, JSON strings and short forms give the same config', (t) => {
  const expected: MaskConfig = {
    strategy: 'union',
    parts: [{ strategy: 'person-box', mode: 'compatible' }, { ...scribbleDefaults, count: [0, 3] } as MaskConfig],
  };
  t.deepEqual(parseMaskConfig('person-box+scribble:0-3'), expected);
  t.deepEqual(
    parseMaskConfig('{"strategy":"union","parts":[{"strategy":"person-box"},{"strategy":"scribble","count":[0,3]}]}'),
    expected,
  );
  t.deepEqual(parseMaskConfig({ strategy: 'union', parts: [{ strategy: 'person-box' }, { strategy: 'scribble', count: [0, 3] }] }), expected);
  t.deepEqual(parseMaskConfig(expected), expected, 'a parsed config parses to itself');
});

test('post-processing steps are validated with defaults and kept in order', (t) => {
  const c = parseMaskConfig({ strategy: 'box', post: [{ op: 'dilate', iterations: 2 }, { op: 'invert' }, { op: 'erode' }] });
  t.deepEqual(c.post, [
    { op: 'dilate', iterations: 2, kernel: 'square' },
    { op: 'invert' },
    { op: 'erode', iterations: 1, kernel: 'square' },
  ]);
  t.false('post' in parseMaskConfig({ strategy: 'box', post: [] }), 'an empty list is dropped');
});

test('from-files fills its defaults', (t) => {
  t.deepEqual(parseMaskConfig({ strategy: 'from-files', paths: 'masks/' }), {
    strategy: 'from-files',
    paths: 'masks/',
    threshold: 0.5,
    dilate: 0,
    kernel: 'square',
    resize: 'nearest',
  });
});

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof BgfillError) return err.message;
    throw err;
  }
  throw new Error('expected a BgfillError');
}

test('an unknown strategy lists the allowed ones', (t) => {
  for (const input of ['blobs', { strategy: 'blobs' }, '{"strategy":"blobs"}']) {
    const m = message(() => parseMaskConfig(input));
    t.regex(m, /"blobs"/);
    for (const name of STRATEGY_NAMES.filter((n) => n !== 'mix' && n !== 'union')) t.true(m.includes(name), `${m} lists ${name}`);
  }
  t.regex(message(() => parseMaskConfig({})), /at strategy: missing strategy; allowed: person-box/);
  t.regex(message(() => parseMaskConfig(42)), /expected an object with a "strategy" field, received 42/);
  t.regex(message(() => parseMaskConfig('   ')), /empty/);
});

test('a bad field names its full path, and enums list their values', (t) => {
  t.regex(message(() => parseMaskConfig({ strategy: 'scribble', count: [3, 1] })), /count \(scribble\): range must be \[min, max\]/);
  t.regex(
    message(() => parseMaskConfig({ strategy: 'person-box', mode: 'fancy' })),
    /mode \(person-box\): .*"compatible".*"general".*received "fancy"/,
  );
  t.regex(
    message(() => parseMaskConfig({ strategy: 'mix', components: [{ weight: -1, config: { strategy: 'box' } }] })),
    /components\[0\]\.weight \(mix\): .*received -1/,
  );
  const nested = message(() =>
    parseMaskConfig({
      strategy: 'mix',
      components: [{ config: { strategy: 'union', parts: [{ strategy: 'box' }, { strategy: 'scribble', bogus: 1 }] } }],
    }),
  );
  t.regex(nested, /components\[0\]\.config\.parts\[1\] \(scribble\): Unrecognized key: "bogus"; scribble accepts: strategy, count/);
  t.regex(
    message(() => parseMaskConfig({ strategy: 'box', post: [{ op: 'blur' }] })),
    /post\[0\]\.op \(post\): .*dilate.*erode.*invert.*received "blur"/,
  );
  t.regex(message(() => parseMaskConfig({ strategy: 'from-files', paths: [] })), /paths \(from-files\)/);
  t.regex(message(() => parseMaskConfig({ strategy: 'from-files', paths: 'm', threshold: 1 })), /threshold \(from-files\).*received 1/);
  t.regex(message(() => parseMaskConfig('scribble(count=x)')), /count \(scribble\): .*expected tuple|count \(scribble\)/);
});

test('the label of a parsed config parses back to the same config', (t) => {
  for (const s of ['person-box', 'person-box+scribble:0-3', 'box*0.7|scribble*0.3', '(box+scribble)>dilate:3>invert']) {
    const c = parseMaskConfig(s);
    t.is(formatMaskConfig(c), s);
    t.deepEqual(parseMaskConfig(formatMaskConfig(c)), c);
  }
});

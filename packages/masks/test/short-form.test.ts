import test from 'ava';
import { parseMaskConfig, type MaskConfig } from '../src/config.js';
import { BgfillError, rngFor, type Rng } from '@bgfill/core';
import { MASK_STRATEGIES } from '../src/registry.js';
import { canonicalJson, formatMaskConfig, parseShortForm } from '../src/short-form.js';

test('grammar: | mixes, * weighs, + unites, > post-processes, with documented precedence', (t) => {
  t.deepEqual(parseShortForm('box'), { strategy: 'box' });
  t.deepEqual(parseShortForm('scribble:0-3'), { strategy: 'scribble', count: [0, 3] });
  t.deepEqual(parseShortForm('scribble:2'), { strategy: 'scribble', count: [2, 2] }, 'one number fills a range');
  t.deepEqual(parseShortForm('person-box:general(jitter=0.1, sigma=0.25)'), {
    strategy: 'person-box',
    mode: 'general',
    jitter: 0.1,
    sigma: 0.25,
  });
  t.deepEqual(parseShortForm('a+b*0.7|c*0.3'.replace(/[abc]/g, (x) => ({ a: 'box', b: 'scribble', c: 'person-box' })[x]!)), {
    strategy: 'mix',
    components: [
      { weight: 0.7, config: { strategy: 'union', parts: [{ strategy: 'box' }, { strategy: 'scribble' }] } },
      { weight: 0.3, config: { strategy: 'person-box' } },
    ],
  });
  t.deepEqual(parseShortForm('box>dilate:2+scribble'), {
    strategy: 'union',
    parts: [{ strategy: 'box', post: [{ op: 'dilate', iterations: 2 }] }, { strategy: 'scribble' }],
  });
  t.deepEqual(parseShortForm('(box+scribble)>erode(iterations=3,kernel=cross)>invert'), {
    strategy: 'union',
    parts: [{ strategy: 'box' }, { strategy: 'scribble' }],
    post: [{ op: 'erode', iterations: 3, kernel: 'cross' }, { op: 'invert' }],
  });
  t.deepEqual(parseShortForm('box*2'), { strategy: 'mix', components: [{ weight: 2, config: { strategy: 'box' } }] });
  t.deepEqual(parseShortForm(" from-files:'masks/*.png' "), { strategy: 'from-files', paths: 'masks/*.png' });
  t.deepEqual(parseShortForm('from-files:["a.png","b c.png"](threshold=0.1)'), {
    strategy: 'from-files',
    paths: ['a.png', 'b c.png'],
    threshold: 0.1,
  });
  t.deepEqual(parseShortForm('{"strategy":"box","count":[2,2]}+scribble'), {
    strategy: 'union',
    parts: [{ strategy: 'box', count: [2, 2] }, { strategy: 'scribble' }],
  });
  t.deepEqual(
    parseShortForm('  box : 1-2 ( margin = 0.05 )  |  scribble '),
    parseShortForm('box:1-2(margin=0.05)|scribble'),
    'whitespace around tokens is ignored',
  );
});

test('syntax errors give the character position and what was expected', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['person-box+', /character 12: expected a strategy name/],
    ['scribble:0-3*', /character 14: expected a weight/],
    ['box*-1', /character 5: expected a weight|weight must be positive/],
    ['box>blur', /character 5: expected a post-processing step \(dilate, erode, invert\)/],
    ['(box', /expected "\)"/],
    ['box)', /character 4: unexpected "\)"/],
    ['box(count=1-2', /expected "," or "\)"/],
    ['box(count=1,count=2)', /option count given twice/],
    ['mix', /write mixtures with "\|"/],
    ['blobs', /unknown strategy "blobs"; allowed: person-box/],
    ["from-files:'unterminated", /unterminated quote/],
    ['box(count=[1,2)', /unterminated JSON|bad JSON/],
  ];
  for (const [input, re] of cases) {
    const err = t.throws(() => parseShortForm(input), { instanceOf: BgfillError }, input);
    t.regex(err?.message ?? '', re, input);
  }
});

test('a text option keeps a bare word made of digits as text: a SHA-256 pin of digits, a bank named 2024', (t) => {
  const pin = '0123456789'.repeat(6) + '0123';
  t.deepEqual(parseShortForm(`person-bank:bank/(sha256=${pin})`), { strategy: 'person-bank', bank: 'bank/', sha256: pin });
  t.deepEqual(parseShortForm('person-bank:2024'), { strategy: 'person-bank', bank: '2024' });
  const config = parseMaskConfig(`person-bank:2024(sha256=${pin}, dilate=3)`);
  t.like(config, { strategy: 'person-bank', bank: '2024', sha256: pin, dilate: 3 }, 'numbers stay numbers where they are numbers');
  // The label quotes such text, and reads back the same.
  const label = formatMaskConfig(config);
  t.is(label, `person-bank:"2024"(dilate=3,sha256="${pin}")`);
  t.deepEqual(parseMaskConfig(label), config);
});

test('labels are canonical: defaults dropped, options sorted, ranges short', (t) => {
  const label = (s: string) => formatMaskConfig(parseMaskConfig(s));
  t.is(label('scribble:1-3'), 'scribble', 'the default count disappears');
  t.is(label('scribble(count=2)'), 'scribble:2');
  t.is(label('box(margin=0.05,count=2-4)'), 'box:2-4(margin=0.05)');
  t.is(label('box(margin=0.05)*1|scribble*1'), 'box(margin=0.05)|scribble');
  t.is(label('box*0.5'), 'box*0.5', 'a one-component mix keeps its weight');
  t.is(label('person-box:compatible'), 'person-box');
  t.is(label('(box+scribble)+person-box'), '(box+scribble)+person-box', 'nesting is kept');
  t.is(label('(box|scribble)+person-box'), '(box|scribble)+person-box');
  t.is(label('box>dilate:1>dilate(kernel=cross)'), 'box>dilate>dilate(kernel=cross)');
  t.is(label("from-files:'x y/*.png'"), 'from-files:"x y/*.png"');
  t.is(label('from-files:masks/'), 'from-files:masks/');
});

// Random configs for the round-trip property: built from raw objects the schemas accept.
const procedural = Object.keys(MASK_STRATEGIES);

function randomRange(rng: Rng, int: boolean, hi: number): [number, number] {
  const a = int ? rng.int(0, hi) : Math.round(rng.uniform(0, hi) * 1000) / 1000;
  const b = int ? rng.int(a, hi) : Math.round(rng.uniform(a, hi) * 1000) / 1000;
  return [a, Math.max(a, b)];
}

function randomTerm(rng: Rng): Record<string, unknown> {
  const names = [...procedural, 'from-files'];
  const name = names[rng.int(0, names.length - 1)];
  const node: Record<string, unknown> = { strategy: name };
  if (name === 'scribble' || name === 'box') {
    if (rng.chance(0.7)) node.count = randomRange(rng, true, 5);
    if (name === 'scribble' && rng.chance(0.3)) node.randomHeading = rng.chance(0.5);
    if (name === 'box' && rng.chance(0.3)) node.margin = Math.round(rng.uniform(0, 0.2) * 100) / 100;
  } else if (name === 'person-box' && rng.chance(0.5)) {
    node.mode = 'general';
    if (rng.chance(0.5)) node.jitter = rng.uniform(0, 0.3);
    if (rng.chance(0.5)) node.aspect = randomRange(rng, false, 4);
  } else if (name === 'irregular') {
    if (rng.chance(0.7)) node.preset = ['thick', 'medium', 'thin'][rng.int(0, 2)];
    if (rng.chance(0.4)) node.strokes = randomRange(rng, true, 8).map((v) => v + 1);
    if (rng.chance(0.3)) node.width = randomRange(rng, false, 0.3);
  } else if (name === 'outpaint') {
    if (rng.chance(0.5)) node.margin = randomRange(rng, false, 0.4);
    if (rng.chance(0.4)) node.sides = ['top', 'left'];
  } else if (name === 'silhouette') {
    if (rng.chance(0.6)) node.pose = ['standing', 'walking', 'any'][rng.int(0, 2)];
  } else if (name === 'from-files') {
    const choices = ['masks/', 'a b/*.png', ['x.png', 'y.png'], ['one.png'], "it's.png", '12', 'true'];
    node.paths = choices[rng.int(0, choices.length - 1)];
    if (rng.chance(0.5)) node.threshold = Math.round(rng.uniform(0, 0.9) * 100) / 100;
    if (rng.chance(0.3)) node.dilate = rng.int(0, 5);
  }
  return node;
}

function randomPost(rng: Rng): unknown[] | undefined {
  if (!rng.chance(0.3)) return undefined;
  const ops: unknown[] = [];
  for (let i = rng.int(1, 3); i > 0; i--) {
    const op = ['dilate', 'erode', 'invert'][rng.int(0, 2)];
    ops.push(op === 'invert' ? { op } : { op, iterations: rng.int(0, 4), kernel: rng.chance(0.5) ? 'cross' : 'square' });
  }
  return ops;
}

function randomNode(rng: Rng, depth: number): Record<string, unknown> {
  const kind = depth > 2 ? 0 : rng.int(0, 2);
  let node: Record<string, unknown>;
  if (kind === 0) node = randomTerm(rng);
  else if (kind === 1) {
    const n = rng.int(1, 3);
    node = {
      strategy: 'union',
      parts: Array.from({ length: n }, (_, k) => randomNode(rng.derive('part', k), depth + 1)),
    };
  } else {
    const n = rng.int(1, 3);
    node = {
      strategy: 'mix',
      components: Array.from({ length: n }, (_, k) => ({
        weight: rng.chance(0.5) ? 1 : Math.round(rng.uniform(0.01, 5) * 100) / 100,
        config: randomNode(rng.derive('component', k), depth + 1),
      })),
    };
  }
  const post = randomPost(rng.derive('post'));
  if (post) node.post = post;
  return node;
}

test('round trip: parse(format(c)) equals c and format is a fixed point, for 500 random configs', (t) => {
  for (let i = 0; i < 500; i++) {
    const config: MaskConfig = parseMaskConfig(randomNode(rngFor(99, 'short-form', i), 0));
    const label = formatMaskConfig(config);
    const back = parseMaskConfig(label);
    t.deepEqual(back, config, label);
    t.is(formatMaskConfig(back), label);
    t.is(canonicalJson(back), canonicalJson(config));
  }
});

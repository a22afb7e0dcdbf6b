import test from 'ava';
import { BgfillError } from '@bgfill/core';
import { parseMaskConfig } from '../src/config.js';
import { createProceduralGenerator, generateMask } from '../src/generate.js';
import { generateBalancedMask } from '../src/stats.js';
import { linearRamp, parseProgress, rampAt, rampBreakpoints, type Ramp } from '../src/ramp.js';
import { formatMaskConfig } from '../src/short-form.js';

const ramp = (from: Ramp['ramp']['from'], to: Ramp['ramp']['to'], start: number, end: number, unit: 'epoch' | 'step' = 'epoch'): Ramp => ({
  ramp: { from, to, start, end, unit },
});

test("LinearRamp's value at each epoch: the start value before start, linear between, the end value from end on", (t) => {
  // ramp(2, 10, 0, 8): one unit per epoch, exactly 2 + e for e = 0 … 8.
  for (let e = -2; e <= 12; e++) t.is(linearRamp(2, 10, 0, 8, e), e < 0 ? 2 : e >= 8 ? 10 : 2 + e, `epoch ${e}`);
  // LaMa's default arguments (start_value 0, end_value 1, start_iter −1, end_iter 0): 0 below −1, then 1.
  t.is(linearRamp(0, 1, -1, 0, -2), 0);
  t.is(linearRamp(0, 1, -1, 0, -0.5), 0.5);
  t.is(linearRamp(0, 1, -1, 0, 0), 1);
  // A decreasing ramp, fractional epochs, start = end (a step).
  t.is(linearRamp(0.4, 0.1, 2, 5, 3.5), 0.25);
  t.is(linearRamp(3, 7, 4, 4, 3.99), 3);
  t.is(linearRamp(3, 7, 4, 4, 4), 7);
  // The same operations as LaMa (start·(1 − part) + end·part), not start + part·(end − start): the two differ in the
  // last bit here (0.27999999999999997 against 0.28), and LaMa's is the one kept.
  const part = 0.3;
  t.is(linearRamp(0.1, 0.7, 0, 1, part), 0.27999999999999997);
  t.not(0.1 + part * (0.7 - 0.1), 0.27999999999999997);
});

test('rampAt rounds integer options, ramps both ends of ranges, reads epochs or steps, and gives the end value without progress', (t) => {
  t.is(rampAt(ramp(2, 10, 0, 8), { epoch: 3 }, true), 5);
  t.is(rampAt(ramp(0, 3, 0, 8), { epoch: 1 }, true), 0); // 0.375 rounds to 0
  t.is(rampAt(ramp(0, 3, 0, 8), { epoch: 2 }, true), 1); // 0.75 rounds to 1
  t.is(rampAt(ramp(0, 3, 0, 8), { epoch: 1 }, false), 0.375);
  t.deepEqual(rampAt(ramp([0, 1], [0, 3], 0, 8), { epoch: 4 }, true), [0, 2]);
  t.is(rampAt(ramp(1, 2, 0, 1000, 'step'), { epoch: 99, step: 250 }, false), 1.25);
  t.is(rampAt(ramp(1, 2, 0, 1000, 'step'), undefined, false), 2);
  t.throws(() => rampAt(ramp(1, 2, 0, 1000, 'step'), { epoch: 3 }, false), { instanceOf: BgfillError, message: /counts in steps, but the training progress gives no step/ });
  t.deepEqual(rampBreakpoints([ramp(1, 2, 0, 8), ramp(1, 2, 2, 8), ramp(1, 2, 0, 100, 'step')]), [
    { epoch: 0, step: 0 },
    { epoch: 0, step: 100 },
    { epoch: 8, step: 0 },
    { epoch: 8, step: 100 },
    { epoch: 2, step: 0 },
    { epoch: 2, step: 100 },
  ]);
});

test('ramps in short forms and JSON: person-box hole-ratio bounds, scribble count, mix weights, post steps; formatting round-trips', (t) => {
  const cases: Array<[string, string]> = [
    ['person-box:general(minHoleRatio=ramp(0,0.2,0,8),maxHoleRatio=0.6)', 'person-box:general(maxHoleRatio=0.6,minHoleRatio=ramp(0,0.2,0,8))'],
    ['scribble:ramp(0-1,0-3,0,8)', 'scribble:ramp(0-1,0-3,0,8)'],
    ['scribble:ramp(1,3,2,6)', 'scribble:ramp(1,3,2,6)'],
    ['person-box*0.5|scribble:0-3*ramp(0.1,1,0,1000,step)', 'person-box*0.5|scribble:0-3*ramp(0.1,1,0,1000,step)'],
    ['box>dilate:ramp(0,4,2,6)', 'box>dilate:ramp(0,4,2,6)'],
  ];
  for (const [input, label] of cases) {
    const config = parseMaskConfig(input);
    t.is(formatMaskConfig(config), label);
    t.deepEqual(parseMaskConfig(formatMaskConfig(config)), config, input);
    t.deepEqual(parseMaskConfig(JSON.stringify(config)), config, `${input} as JSON`);
  }
  const json = parseMaskConfig('{"strategy":"scribble","count":{"ramp":{"from":[0,1],"to":[0,3],"start":0,"end":8}}}');
  t.deepEqual((json as { count: unknown }).count, { ramp: { from: [0, 1], to: [0, 3], start: 0, end: 8, unit: 'epoch' } });
  t.is(formatMaskConfig(json), 'scribble:ramp(0-1,0-3,0,8)');
});

test('a ramping recipe draws, at each epoch, exactly the masks of its values there', (t) => {
  const gen = createProceduralGenerator('person-box:general(minHoleRatio=ramp(0,0.3,0,6),maxHoleRatio=ramp(0.3,0.6,0,6))+scribble:ramp(0-1,0-3,0,6)');
  const size = { width: 64, height: 48 };
  for (let epoch = 0; epoch <= 7; epoch++) {
    const e = Math.min(epoch, 6);
    // LaMa's formula by hand: part = e / 6.
    const part = e / 6;
    const fixed = parseMaskConfig({
      strategy: 'union',
      parts: [
        { strategy: 'person-box', mode: 'general', minHoleRatio: 0 * (1 - part) + 0.3 * part, maxHoleRatio: 0.3 * (1 - part) + 0.6 * part },
        { strategy: 'scribble', count: [0, Math.round(1 * (1 - part) + 3 * part)] },
      ],
    });
    for (const i of [0, 1, 2]) t.deepEqual(gen.generate(size, 's', i, { epoch }).data, generateMask(fixed, size, 's', i).data, `epoch ${epoch} mask ${i}`);
    t.is(gen.labelAt({ epoch }), formatMaskConfig(fixed));
  }
  // Balanced sets take the progress too.
  const a = generateBalancedMask(gen, size, 1, 4, { progress: { epoch: 2 } });
  const b = generateBalancedMask(gen, size, 1, 4, { progress: { epoch: 2 } });
  t.deepEqual(a.mask.data, b.mask.data);
});

test('bad ramps are refused with the field named', (t) => {
  const refuse = (recipe: string, pattern: RegExp) => t.throws(() => parseMaskConfig(recipe), { instanceOf: BgfillError, message: pattern }, recipe);
  refuse('irregular:ramp(1,2,0,3)', /preset cannot ramp: only numbers and \[min, max\] ranges can/);
  refuse('box(count=ramp(0-1,0-3,8,0))', /count\.ramp\.end \(ramp\): a ramp must have start ≤ end/);
  refuse('scribble(vertices=ramp(1-2,3.5-4,0,1))', /vertices takes integers: ramp it between integers/);
  refuse('person-box:general(minHoleRatio=ramp(0,0.8,0,8),maxHoleRatio=0.6)', /minHoleRatio exceeds maxHoleRatio .*\(with its ramps at epoch 8\)/);
  refuse("from-files:'m/*.png'(dilate=ramp(0,4,0,8))", /from-files options cannot ramp; ramp a post step instead/);
  refuse('box*ramp(1,0,0,4)', /components\[0\]\.weight \(mix\): Too small/);
  refuse('box(margin=ramp(0,1,0))', /ramp takes \(from, to, start, end\[, epoch \| step\]\), got 3 values/);
  refuse('box(margin=ramp(0,0.1,0,4,days))', /unit/);
  refuse('person-box:general(jitter=ramp(0-1,0-2,0,4))', /jitter is a number: ramp it between numbers/);
});

test('--progress text: epochs, steps or both', (t) => {
  t.deepEqual(parseProgress('4'), { epoch: 4 });
  t.deepEqual(parseProgress('0.5'), { epoch: 0.5 });
  t.deepEqual(parseProgress('epoch=2.5,step=300'), { epoch: 2.5, step: 300 });
  t.deepEqual(parseProgress('step=10'), { step: 10 });
  for (const bad of ['', 'soon', 'epoch=-1', 'epoch=1,epoch=2', 'step=x']) t.throws(() => parseProgress(bad), { instanceOf: BgfillError, message: /--progress/ }, bad);
});

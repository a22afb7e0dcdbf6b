// DecodeLock: an exclusive holder never overlaps any other holder; shared holders overlap each other; order is kept.
import test from 'ava';
import { DecodeLock } from '../src/decode-lock.js';

test('exclusive runs alone, after the shared holders before it and before the shared ones after it', async (t) => {
  const lock = new DecodeLock();
  const events: string[] = [];
  let active = 0;
  let maxShared = 0;
  const gates = new Map<string, () => void>();
  const held = (name: string, exclusive: boolean) => async () => {
    active++;
    if (exclusive) t.is(active, 1, `${name} ran alone`);
    else maxShared = Math.max(maxShared, active);
    events.push(`start ${name}`);
    await new Promise<void>((resolve) => gates.set(name, resolve));
    events.push(`end ${name}`);
    active--;
  };
  const a = lock.runShared(held('a', false));
  const b = lock.runShared(held('b', false));
  const x = lock.runExclusive(held('x', true));
  const c = lock.runShared(held('c', false));
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  await tick();
  t.deepEqual(events, ['start a', 'start b'], 'x waits for a and b; c queues behind x');
  gates.get('a')!();
  await tick();
  t.false(events.includes('start x'));
  gates.get('b')!();
  await tick();
  t.deepEqual(events.slice(-2), ['end b', 'start x']);
  gates.get('x')!();
  await tick();
  t.deepEqual(events.slice(-2), ['end x', 'start c']);
  gates.get('c')!();
  await Promise.all([a, b, x, c]);
  t.is(maxShared, 2);
  // A throwing holder releases the lock.
  await t.throwsAsync(lock.runExclusive(async () => Promise.reject(new Error('boom'))), { message: 'boom' });
  t.is(await lock.runShared(async () => 'free'), 'free');
});

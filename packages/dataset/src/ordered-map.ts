import pLimit from 'p-limit';

/**
 * Map `fn` over `items` (sync or async) with at most `concurrency` calls running, yielding results in input order
 * (never completion order). Up to `window` calls (default `4 × concurrency`) are started ahead of the one being
 * yielded, so one slow item does not idle the others, while a slow consumer still holds producers back.
 * @example for await (const img of orderedMap(files, 4, decode)) write(img)
 */
export async function* orderedMap<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  window_ = 4 * Math.max(1, concurrency),
): AsyncGenerator<R> {
  const width = Math.max(1, concurrency);
  const ahead = Math.max(width, window_);
  const limit = pLimit(width);
  const window: Array<Promise<R>> = [];
  const iterator: Iterator<T> | AsyncIterator<T> =
    Symbol.asyncIterator in items ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  let index = 0;
  let exhausted = false;
  const fill = async (): Promise<void> => {
    while (!exhausted && window.length < ahead) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      const i = index++;
      const value = next.value;
      const promise = limit(() => fn(value, i));
      promise.catch(() => {}); // rethrown in order below; avoids an unhandled rejection meanwhile
      window.push(promise);
    }
  };
  try {
    await fill();
    while (window.length > 0) {
      const result = await window.shift()!;
      await fill();
      yield result;
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
}

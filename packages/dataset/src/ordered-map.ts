import pLimit from 'p-limit';

/**
 * Map `fn` over `items` with at most `concurrency` calls running, yielding results in input order (never completion
 * order). At most `2 × concurrency` results wait in memory, so a slow consumer holds the producers back.
 * @example for await (const img of orderedMap(files, 4, decode)) write(img)
 */
export async function* orderedMap<T, R>(
  items: Iterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): AsyncGenerator<R> {
  const limit = pLimit(Math.max(1, concurrency));
  const window: Array<Promise<R>> = [];
  const iterator = items[Symbol.iterator]();
  let index = 0;
  let exhausted = false;
  const fill = (): void => {
    while (!exhausted && window.length < 2 * Math.max(1, concurrency)) {
      const next = iterator.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      const i = index++;
      const value = next.value;
      const promise = limit(() => fn(value, i));
      promise.catch(() => {}); // rethrown in order below; avoid an unhandled rejection meanwhile
      window.push(promise);
    }
  };
  fill();
  while (window.length > 0) {
    const result = await window.shift()!;
    fill();
    yield result;
  }
}

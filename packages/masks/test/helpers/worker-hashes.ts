import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of masks 0 … n−1 computed by two worker threads (helpers/mask-worker.ts), one taking the even indices in
 * order and the other the odd ones backwards: for tests that mask i does not depend on the thread or the order.
 */
export async function hashesFromWorkers(
  data: { config: string; seed: string; size: { width: number; height: number }; files?: boolean },
  n: number,
): Promise<Map<number, string>> {
  const halves = [
    [...Array(n).keys()].filter((i) => i % 2 === 0),
    [...Array(n).keys()].filter((i) => i % 2 === 1).reverse(),
  ];
  const results = await Promise.all(
    halves.map(
      (indices) =>
        new Promise<Array<[number, string]>>((resolve, reject) => {
          const worker = new Worker(new URL('./mask-worker.mjs', import.meta.url), { workerData: { ...data, indices } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  return new Map(results.flat());
}

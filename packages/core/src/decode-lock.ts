/**
 * A shared/exclusive lock around image decoding. libvips keeps one error buffer for the whole process, and sharp
 * clears it at the end of every task, so when several decodes run at once the reason one of them failed can be
 * wiped ("Unknown error") or mixed with another file's. Decodes run shared; re-reading a failed file to get its own
 * reason runs exclusive: it waits for the decodes in flight and holds new ones back until it is done.
 */

interface Waiter {
  exclusive: boolean;
  grant: () => void;
}

/** A first-come, first-served shared/exclusive lock (an exclusive request holds back later shared ones). */
export class DecodeLock {
  private shared = 0;
  private exclusive = false;
  private readonly waiting: Waiter[] = [];

  /**
   * Run `fn` alongside other shared holders.
   * @example const img = await lock.runShared(() => decode(path));
   */
  async runShared<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(false);
    try {
      return await fn();
    } finally {
      this.shared--;
      this.drain();
    }
  }

  /**
   * Run `fn` with no other holder.
   * @example const reason = await lock.runExclusive(() => decodeAlone(path));
   */
  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(true);
    try {
      return await fn();
    } finally {
      this.exclusive = false;
      this.drain();
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    return new Promise((grant) => {
      this.waiting.push({ exclusive, grant });
      this.drain();
    });
  }

  private drain(): void {
    while (this.waiting.length > 0 && !this.exclusive) {
      const next = this.waiting[0];
      if (next.exclusive) {
        if (this.shared > 0) return;
        this.exclusive = true;
      } else {
        this.shared++;
      }
      this.waiting.shift();
      next.grant();
    }
  }
}

/** Every decode that goes through `decodeShared` / `decodeWithOwnError` in this process: libvips' buffer is global. */
const processLock = new DecodeLock();

/** Longest wait for sharp work started elsewhere in the process to finish before a failed file is re-read alone. */
const IDLE_WAIT_MS = 2000;

async function sharpIdle(): Promise<void> {
  const sharp = (await import('sharp')).default; // lazily, as the rest of @bgfill/masks: mask drawing needs no sharp
  const until = Date.now() + IDLE_WAIT_MS;
  for (;;) {
    const { queue, process } = sharp.counters();
    if ((queue === 0 && process === 0) || Date.now() >= until) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Run a sharp decode alongside other decodes (shared hold of the process's decode lock), for work whose errors are
 * not reported (a header read whose failure a full read will explain).
 * @example const meta = await decodeShared(() => sharp(path).metadata());
 */
export function decodeShared<T>(decode: () => Promise<T>): Promise<T> {
  return processLock.runShared(decode);
}

/**
 * Run a sharp decode; if it fails, run it again alone (no other decode of the process's lock in flight, sharp idle)
 * so that the error is this input's own: with concurrent decodes libvips' one error buffer can lose the reason
 * ("Unknown error") or hand over another file's, which made reasons, and files that record them, differ run to run.
 * An input that then decodes is returned as decoded.
 * @example const { data, info } = await decodeWithOwnError(() => sharp(bytes).raw().toBuffer({ resolveWithObject: true }));
 */
export async function decodeWithOwnError<T>(decode: () => Promise<T>): Promise<T> {
  try {
    return await processLock.runShared(decode);
  } catch {
    return processLock.runExclusive(async () => {
      await sharpIdle();
      return decode();
    });
  }
}

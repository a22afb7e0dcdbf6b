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

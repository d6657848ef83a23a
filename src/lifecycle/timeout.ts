import { TimeoutError } from '../errors.js';

/**
 * Races `work` against a timer that is always cleared, so no timer outlives the race.
 * A synchronous throw inside `work` becomes a rejection.
 * @throws {TimeoutError} when `ms` passes first.
 */
export async function withTimeout<T>(work: () => T | PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), Math.max(0, ms));
  });
  try {
    return await Promise.race([Promise.resolve().then(work), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

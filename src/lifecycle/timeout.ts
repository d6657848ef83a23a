import { MAX_INT_SETTING } from '../config/env.js';
import { TimeoutError } from '../errors.js';

/**
 * Largest delay Node's timers hold (2^31-1 ms, about 24.8 days): a larger delay, or one that is not a number, fires
 * after 1 ms instead. Every millisecond setting is capped at it when the configuration is read.
 */
export const MAX_TIMER_DELAY_MS = MAX_INT_SETTING;

/**
 * `ms` as a timer can take it: clamped to [0, {@link MAX_TIMER_DELAY_MS}] (NaN counts as 0). Use it wherever a timer
 * receives a sum of configured values (a deadline plus a grace period): each part is within the cap, the sum need not
 * be, and an overflowing delay would fire at once instead of (practically) never.
 */
export function timerDelay(ms: number): number {
  return ms > 0 ? Math.min(ms, MAX_TIMER_DELAY_MS) : 0;
}

/**
 * Races `work` against a timer that is always cleared, so no timer outlives the race.
 * A synchronous throw inside `work` becomes a rejection. `ms` goes through {@link timerDelay}.
 * @throws {TimeoutError} when `ms` passes first.
 */
export async function withTimeout<T>(work: () => T | PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), timerDelay(ms));
  });
  try {
    return await Promise.race([Promise.resolve().then(work), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

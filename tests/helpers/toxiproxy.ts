import type { ToxicSpec, ToxicStream, ToxiproxyServer } from '../../scripts/servers/toxiproxy.js';

/** How a promise ended, and when: `hung` when it had not settled by the deadline guard. */
export type Settled<T> =
  | { readonly status: 'fulfilled'; readonly ms: number; readonly value: T }
  | { readonly status: 'rejected'; readonly ms: number; readonly error: unknown }
  | { readonly status: 'hung'; readonly ms: number };

/**
 * Runs `work` and reports how it ended within `guardMs`. The guard only stops the wait, not the work: a test that
 * sees `hung` fails, and its cleanup disposes what was left running.
 */
export async function settleWithin<T>(work: () => Promise<T>, guardMs: number): Promise<Settled<T>> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'hung', ms: ms() }), guardMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(work)
        .then(
          (value): Settled<T> => ({ status: 'fulfilled', ms: ms(), value }),
          (error: unknown): Settled<T> => ({ status: 'rejected', ms: ms(), error }),
        ),
      guard,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Adds `toxic` to both directions of `proxy` (a fault of the link, not of one direction); returns the names. */
export async function addBothWays(toxiproxy: ToxiproxyServer, proxy: string, toxic: ToxicSpec): Promise<string[]> {
  const streams: ToxicStream[] = ['upstream', 'downstream'];
  const added = [];
  for (const stream of streams) added.push(await toxiproxy.addToxic(proxy, { ...toxic, stream, name: `${toxic.type}_${stream}` }));
  return added.map((toxic) => toxic.name);
}

/** Removes every toxic of `proxy` and enables it, so that one failed test leaves no fault for the next. */
export async function clearProxy(toxiproxy: ToxiproxyServer, proxy: string): Promise<void> {
  for (const toxic of await toxiproxy.toxics(proxy)) await toxiproxy.removeToxic(proxy, toxic.name);
  await toxiproxy.setEnabled(proxy, true);
}

/** Retries `work` every `intervalMs` until it succeeds; resolves to the time that took, or rejects after `timeoutMs`. */
export async function timeUntilSuccess(work: () => Promise<unknown>, timeoutMs: number, intervalMs = 100): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await work();
      return Math.round(performance.now() - started);
    } catch (error) {
      if (performance.now() - started > timeoutMs) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The name and message of a thrown value, for figures. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message.slice(0, 160) };
  return { name: typeof error, message: String(error).slice(0, 160) };
}

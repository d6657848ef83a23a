// Issue 20, part 5: every millisecond setting is capped at what Node's timers hold (2^31-1), and sums of settings
// (a budget plus a grace period, a deadline plus the exit guard) are clamped before they reach a timer. Before, a
// DB_SHUTDOWN_TIMEOUT_MS from 2147483598 up overflowed: the timer fired after 1 ms, a healthy client was reported
// timed_out and hard-closed, and the shutdown hooks exited 1 within milliseconds of SIGTERM.
import 'reflect-metadata';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createDbContainer, disposeWithReport } from '../../../src/container.js';
import { loadConfig } from '../../../src/config/index.js';
import { ContainerLifecycle } from '../../../src/lifecycle/container-lifecycle.js';
import { LazyProvider } from '../../../src/lifecycle/lazy-provider.js';
import { installShutdownHooks } from '../../../src/lifecycle/shutdown-hooks.js';
import { MAX_TIMER_DELAY_MS, timerDelay, withTimeout } from '../../../src/lifecycle/timeout.js';
import type { Logger } from '../../../src/providers/logger.js';
import { captureLogs } from '../../helpers/logs.js';
import { signalWhenReady } from '../../helpers/run-child.js';

const CAP = '2147483647';
/** The cap as a number, spelled out (not imported) so that these tests also run against code without the helper. */
const CAP_MS = 2_147_483_647;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const removers: Array<() => void> = [];
afterEach(() => removers.splice(0).forEach((remove) => remove()));

/** A provider whose connect and close each take 20 ms: healthy, just not instant. */
class SlowProvider extends LazyProvider<{ open: boolean }> {
  constructor(lifecycle: ContainerLifecycle, logger: Logger) {
    super('slow', 'stores', logger, lifecycle);
  }
  get isConfigured(): boolean {
    return true;
  }
  protected createClient() {
    return { open: false };
  }
  protected async openClient(client: { open: boolean }): Promise<void> {
    await sleep(20);
    client.open = true;
  }
  protected async pingClient(): Promise<void> {}
  protected async closeClient(): Promise<void> {
    await sleep(20);
  }
  protected destroyClient(): void {}
}

/** A container at the cap with a store override that takes 20 ms to close. */
function storeContainer(logs = captureLogs()) {
  const token = Symbol('store');
  const container = createDbContainer({
    config: loadConfig({ DB_SHUTDOWN_TIMEOUT_MS: CAP }),
    logger: logs.logger,
    overrides: [[token, { name: 'slow-store', disposePhase: 'stores', dispose: () => sleep(20) }]],
  });
  container.resolve(token);
  return container;
}

describe('timerDelay', () => {
  it('clamps to [0, 2^31-1]', () => {
    expect(MAX_TIMER_DELAY_MS).toBe(2 ** 31 - 1);
    expect([-5, 0, 1, 1000, MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS + 1, MAX_TIMER_DELAY_MS + 1050, Infinity, Number.NaN].map(timerDelay)).toEqual([
      0, 0, 1, 1000, MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS, 0,
    ]);
  });

  it('withTimeout past the cap waits for the work instead of timing out at once', async () => {
    await expect(withTimeout(() => sleep(20).then(() => 'done'), CAP_MS + 50, 'slow work')).resolves.toBe('done');
  });
});

describe('DB_SHUTDOWN_TIMEOUT_MS at the cap (2147483647)', () => {
  it('disposes a healthy member normally: closed, not timed_out', async () => {
    const report = await disposeWithReport(storeContainer());
    expect(report.deadlineMs).toBe(CAP_MS);
    expect(report.providers).toEqual([expect.objectContaining({ provider: 'slow-store', status: 'closed' })]);
    expect(report.ok).toBe(true);
  });

  it('a lazy provider connects with a timeout past the cap and closes within the cap', async () => {
    const logs = captureLogs();
    const lifecycle = new ContainerLifecycle(CAP_MS, logs.logger);
    const provider = new SlowProvider(lifecycle, logs.logger);
    await provider.connect({ timeoutMs: CAP_MS + 1000 });
    const report = await lifecycle.dispose();
    expect(report.providers).toEqual([expect.objectContaining({ provider: 'slow', status: 'closed' })]);
  });

  it('shutdown hooks: a signal disposes and exits 0, not 1 at once', async () => {
    const container = storeContainer();
    let exited: (code: number) => void = () => undefined;
    const exit = new Promise<number>((resolve) => (exited = resolve));
    const started = Date.now();
    removers.push(installShutdownHooks(container, { signals: ['SIGUSR2'], exit: (code) => exited(code) }));
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await exit).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('SIGTERM to a real process with shutdown hooks: exit 0 after a clean disposal', async () => {
    const resultFile = join(mkdtempSync(join(tmpdir(), 'timer-cap-')), 'result.json');
    const fixture = fileURLToPath(new URL('../../fixtures/sigterm-at-timer-cap.ts', import.meta.url));
    const { code, stderr } = await signalWhenReady(fixture, { PATH: process.env.PATH, LOG_LEVEL: 'silent', DB_SHUTDOWN_TIMEOUT_MS: CAP, RESULT_FILE: resultFile });
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(/TimeoutOverflowWarning/);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as { code: number; report: { ok: boolean; providers: Array<{ status: string }> } };
    expect(result.report.providers.map((row) => row.status)).toEqual(['closed']);
  });
});

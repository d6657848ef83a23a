import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixNegativeRequestTimer } from '../../../src/providers/kafka-request-queue.js';

const require = createRequire(import.meta.url);
type Queue = { throttleCheckTimeoutId: NodeJS.Timeout | null; throttledUntil: number; pending: unknown[]; checkPendingRequests(): void };
const { prototype } = require('kafkajs/src/network/requestQueue/index.js') as { prototype: { scheduleCheckPendingRequests(this: Queue): void } };

// kafkajs' queue as it is after connecting: not throttled (throttledUntil -1), nothing pending.
const idleQueue = (): Queue => ({ throttleCheckTimeoutId: null, throttledUntil: -1, pending: [], checkPendingRequests: vi.fn() });

afterEach(() => vi.restoreAllMocks());

describe('kafkajs request queue timer (kafkajs issue 1751)', () => {
  it('control: kafkajs alone asks for a negative delay (Node 24 prints TimeoutNegativeWarning for it)', () => {
    const original = Object.getOwnPropertyDescriptor(prototype, 'scheduleCheckPendingRequests')!.value as typeof prototype.scheduleCheckPendingRequests;
    if (original.name === 'scheduleCheckPendingRequests' && /throttledUntil - Date\.now\(\)/.test(original.toString())) {
      const timer = vi.spyOn(globalThis, 'setTimeout').mockReturnValue({} as NodeJS.Timeout);
      original.call(idleQueue());
      expect(timer.mock.calls[0]![1]).toBeLessThan(0);
    } else {
      // Already patched by an earlier test file in this worker: the unpatched source still says so.
      expect(require('node:fs').readFileSync(require.resolve('kafkajs/src/network/requestQueue/index.js'), 'utf8')).toContain('this.throttledUntil - Date.now()');
    }
  });

  it('once fixed, schedules the same check after 1 ms, and leaves throttled or pending queues to kafkajs', () => {
    fixNegativeRequestTimer();
    fixNegativeRequestTimer(); // idempotent: one wrapper
    const timer = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void) => {
      fn();
      return {} as NodeJS.Timeout;
    }) as unknown as typeof setTimeout);
    const idle = idleQueue();
    prototype.scheduleCheckPendingRequests.call(idle);
    expect(timer.mock.calls.map((call) => call[1])).toEqual([1]);
    expect(idle.checkPendingRequests).toHaveBeenCalledTimes(1);

    timer.mockClear();
    timer.mockReturnValue({} as NodeJS.Timeout);
    prototype.scheduleCheckPendingRequests.call({ ...idleQueue(), throttledUntil: Date.now() + 5000 });
    prototype.scheduleCheckPendingRequests.call({ ...idleQueue(), pending: [{}] });
    const [throttled, pending] = timer.mock.calls.map((call) => call[1]!);
    expect(throttled).toBeGreaterThan(4000);
    expect(pending).toBe(10); // kafkajs' own CHECK_PENDING_REQUESTS_INTERVAL
  });
});

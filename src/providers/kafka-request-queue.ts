/** What kafkajs' connection request queue has that the fix below touches (kafkajs 2.2.4, src/network/requestQueue). */
interface RequestQueue {
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  throttledUntil: number;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const PATCHED = Symbol.for('@ratecreator/db:kafkajs-request-queue-timer');

/**
 * kafkajs (2.2.4, in maintenance) schedules its pending-request check with `throttledUntil - Date.now()`, which is
 * about minus the current time when nothing is throttled (`throttledUntil` starts at -1). Node then waits 1 ms, and
 * since Node 24 also prints a `TimeoutNegativeWarning` on stderr of every app that uses Kafka (kafkajs issue 1751,
 * fixes proposed upstream and not released). This passes the 1 ms Node would use anyway: the same timer, no warning.
 * Applied once, when kafkajs is first loaded; a kafkajs without the method is left alone.
 */
export function fixNegativeRequestTimer(): void {
  const { prototype } = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueue & { [PATCHED]?: true } };
  if (prototype[PATCHED] || typeof prototype.scheduleCheckPendingRequests !== 'function') return;
  const original = prototype.scheduleCheckPendingRequests;
  prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue) {
    if (!this.throttleCheckTimeoutId && this.pending.length === 0 && this.throttledUntil - Date.now() < 1) {
      this.throttleCheckTimeoutId = setTimeout(() => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      }, 1);
      return;
    }
    original.call(this);
  };
  prototype[PATCHED] = true;
}

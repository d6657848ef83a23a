import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY } from '../../../src/config/retry.js';

describe('backoffDelay', () => {
  const policy = { ...DEFAULT_RETRY, initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: false };

  it('grows by the factor and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('draws jittered delays from the upper half of the capped delay', () => {
    const jittered = { ...policy, jitter: true };
    expect(backoffDelay(jittered, 3, () => 0)).toBe(200);
    expect(backoffDelay(jittered, 3, () => 1)).toBe(400);
    expect(backoffDelay(jittered, 30, () => 0.5)).toBe(750);
  });
});

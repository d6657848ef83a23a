import { describe, expect, it } from 'vitest';
import { recordSize } from '../../../src/utils/record-size.js';

describe('recordSize', () => {
  it('counts the UTF-8 bytes of the record\'s JSON', () => {
    const base = recordSize({ id: 'k', data: '', timestamp: 1 });
    expect(recordSize({ id: 'k', data: 'é', timestamp: 1 }) - base).toBe(2);
    expect(recordSize({ id: 'k', data: '€', timestamp: 1 }) - base).toBe(3);
    expect(recordSize({ id: 'k', data: '😀', timestamp: 1 }) - base).toBe(4);
    expect(recordSize({ id: 'k', data: 'abc', timestamp: 1 }) - base).toBe(3);
  });

  it('throws for what JSON cannot hold (the cache then drops the write)', () => {
    expect(() => recordSize({ id: 'k', data: 1n, timestamp: 1 })).toThrow(TypeError);
  });
});

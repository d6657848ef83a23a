import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDate, formatFloat, formatUtcTimestamp, formatValue } from '../../../src/utils/format.js';

describe('formatValue', () => {
  it.each([
    [999, '999'],
    [999.99, '999.99'],
    [1000, '1.0 K'],
    [1000.5, '1.0 K'],
    [1500, '1.5 K'],
    [999_999, '1000.0 K'], // one decimal, rounded: the K step does not roll over to M
    [1_000_000, '1.0 M'],
    [1_500_000, '1.5 M'],
    [999_999_999, '1000.0 M'],
    [1_000_000_000, '1.0 B'],
    [1_500_000_000, '1.5 B'],
    [999_999_999_999, '1000.0 B'],
  ])('%d -> %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  it('keeps the number\'s own string below 1000, negatives included (no suffix, no decimal added)', () => {
    expect([0, 1, -5, -1000, -2_000_000].map(formatValue)).toEqual(['0', '1', '-5', '-1000', '-2000000']);
    expect(formatValue(Number.NaN)).toBe('NaN');
  });
});

describe('formatFloat', () => {
  it('is toFixed(2)', () => {
    expect([5, 5.123, 5.126, 0, -3.14159, 0.001, 1.005].map(formatFloat)).toEqual(['5.00', '5.12', '5.13', '0.00', '-3.14', '0.00', (1.005).toFixed(2)]);
  });
});

describe('dates, in the runtime time zone', () => {
  // Node applies a change of process.env.TZ at once (this file runs in a process of its own).
  const zone = process.env.TZ;
  beforeEach(() => {
    process.env.TZ = 'UTC';
  });
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it('formatDate gives "Mon D, YYYY" for what new Date() parses, "Invalid Date" otherwise', () => {
    expect(formatDate('2024-01-15T12:00:00Z')).toBe('Jan 15, 2024');
    expect(formatDate('2024-01-15T00:00:00')).toBe('Jan 15, 2024'); // local midnight
    expect(formatDate('not a date')).toBe('Invalid Date');
    expect(formatDate('')).toBe('Invalid Date');
  });

  it('formatUtcTimestamp reads seconds, not milliseconds', () => {
    expect(formatUtcTimestamp(1_704_067_200)).toBe('Jan 1, 2024');
    expect(formatUtcTimestamp(0)).toBe('Jan 1, 1970');
    expect(formatUtcTimestamp(1_893_456_000)).toBe('Jan 1, 2030');
    expect(formatUtcTimestamp(Number.NaN)).toBe('Invalid Date');
  });

  it('the same instant is another day in another zone (the runtime\'s zone decides, as in the original)', () => {
    const at = (tz: string) => {
      process.env.TZ = tz;
      return [formatDate('2024-01-15T23:30:00Z'), formatUtcTimestamp(1_705_361_400)];
    };
    expect(at('UTC')).toEqual(['Jan 15, 2024', 'Jan 15, 2024']);
    expect(at('Asia/Tokyo')).toEqual(['Jan 16, 2024', 'Jan 16, 2024']);
    expect(at('Pacific/Honolulu')).toEqual(['Jan 15, 2024', 'Jan 15, 2024']);
    // A date-only string is UTC midnight: the day before west of UTC.
    process.env.TZ = 'America/Los_Angeles';
    expect(formatDate('2024-06-20')).toBe('Jun 19, 2024');
  });
});

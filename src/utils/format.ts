// Numbers and dates for display. Dates are formatted in the runtime's time zone (the browser's, or the server's
// during server-side rendering), as the original package did: the same instant can show as another day elsewhere.

const DATE_FORMAT: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric' };

/**
 * A follower count or similar, shortened: `value / 1e9` with one decimal and ` B` from 1e9 up, ` M` from 1e6, ` K`
 * from 1e3 (`1000` -> `"1.0 K"`, `1500000000` -> `"1.5 B"`, `999999` -> `"1000.0 K"`); below 1000 (negative numbers
 * included) the number's own string (`999` -> `"999"`, `-5` -> `"-5"`).
 */
export function formatValue(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(1)} B`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} K`;
  return String(value);
}

/** `n` with exactly two decimals (`n.toFixed(2)`): `5` -> `"5.00"`, `5.126` -> `"5.13"`. */
export function formatFloat(n: number): string {
  return n.toFixed(2);
}

/**
 * A date string (anything `new Date(dateString)` parses) as `"Jan 15, 2024"` (en-US, short month), **in the runtime's
 * time zone**: `"2024-01-15T23:30:00Z"` is `"Jan 16, 2024"` east of UTC+0:30. An unparsable input gives
 * `"Invalid Date"`.
 */
export function formatDate(dateString: string): string {
  return new Date(dateString).toLocaleDateString('en-US', DATE_FORMAT);
}

/**
 * A Unix timestamp in **seconds** formatted like {@link formatDate} (`1704067200` -> `"Jan 1, 2024"` in UTC), in the
 * runtime's time zone.
 */
export function formatUtcTimestamp(utcTimestamp: number): string {
  return new Date(utcTimestamp * 1000).toLocaleDateString('en-US', DATE_FORMAT);
}

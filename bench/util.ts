/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Prints one benchmark result line as JSON (collected by bench/run.ts). */
export function report(name: string, figures: Record<string, number | string>): void {
  process.stdout.write(`${JSON.stringify({ bench: name, ...figures })}\n`);
}

/**
 * `rounds` rounds of `measure` on both sides, back to back, the side that goes first alternating (`sides[0]` on even
 * rounds), so that drift on a shared machine does not favour one. Returns each side's results in round order.
 */
export async function alternatingRounds<S extends string, T>(
  rounds: number,
  sides: readonly [S, S],
  measure: (side: S) => Promise<T>,
): Promise<Record<S, T[]>> {
  const results = { [sides[0]]: [] as T[], [sides[1]]: [] as T[] } as Record<S, T[]>;
  for (let i = 0; i < rounds; i++) {
    for (const side of i % 2 ? [sides[1], sides[0]] : sides) results[side].push(await measure(side));
  }
  return results;
}

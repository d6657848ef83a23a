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

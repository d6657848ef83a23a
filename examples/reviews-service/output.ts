import type { ContainerHealth, DisposalReport } from '../../src/index.js';
import type { ReviewSearchResult, SearchBackend } from './review-search-result.js';

/** Lines of a left-aligned table, indented by two spaces; the first row is the header. */
export function table(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd());
}

/** The health table: one row per provider, saying whether a real server or the in-memory fake answered. */
export function healthLines(health: ContainerHealth, backendOf: (provider: string) => string): string[] {
  return [
    `health: ${health.status} (HTTP ${health.httpStatus})`,
    ...table([
      ['provider', 'status', 'latency', 'backend', 'error'],
      ...health.providers.map((p) => [p.provider, p.status, `${p.latencyMs} ms`, backendOf(p.provider), p.error ?? '']),
    ]),
  ];
}

/** The disposal report: overall outcome, then one row per closed member in phase order. */
export function disposalLines(report: DisposalReport): string[] {
  return [
    `disposal: ${report.ok ? 'ok' : 'FAILED'} in ${report.ms} ms (deadline ${report.deadlineMs} ms)`,
    ...table([
      ['provider', 'phase', 'status', 'ms', 'error'],
      ...report.providers.map((p) => [p.provider, p.phase, p.status, String(p.ms), p.error ?? '']),
    ]),
  ];
}

/**
 * The same search in every backend, side by side: where it ran (`serverOf`), hit count and top hit; a backend in
 * `skipped` gets a row saying why it was not searched.
 */
export function searchLines(
  query: string,
  results: readonly ReviewSearchResult[],
  serverOf: (backend: SearchBackend) => string,
  skipped: Partial<Record<SearchBackend, string>> = {},
): string[] {
  return [
    `search "${query}" side by side:`,
    ...table([
      ['backend', 'server', 'hits', 'top hit'],
      ...results.map((r) => [r.backend, serverOf(r.backend), String(r.total), r.top ? `${r.top.id} "${r.top.title}"` : 'none']),
      ...(Object.entries(skipped) as [SearchBackend, string][]).map(([backend, why]) => [backend, serverOf(backend), '-', why]),
    ]),
  ];
}

/** Options a subcommand accepts: flags take no value; value options take the next argument or `=value`. */
export interface OptionSpec {
  readonly flags: readonly string[];
  readonly values: readonly string[];
}

/** The parsed arguments, or the first unknown one. A value option given without a value maps to `undefined`. */
export type ParsedOptions =
  | { readonly ok: true; readonly flags: ReadonlySet<string>; readonly values: ReadonlyMap<string, string | undefined> }
  | { readonly ok: false; readonly error: string };

/** Parses `--flag`, `--name value` and `--name=value`; anything else is an error naming it. */
export function parseOptions(args: readonly string[], spec: OptionSpec): ParsedOptions {
  const flags = new Set<string>();
  const values = new Map<string, string | undefined>();
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const name = eq >= 0 ? raw.slice(0, eq) : raw;
    const inline = eq >= 0 ? raw.slice(eq + 1) : undefined;
    if (spec.flags.includes(name) && inline === undefined) {
      flags.add(name);
    } else if (spec.values.includes(name)) {
      values.set(name, inline ?? args[++i]);
    } else {
      return { ok: false, error: `unknown ${raw.startsWith('-') ? 'option' : 'argument'} "${raw}"` };
    }
  }
  return { ok: true, flags, values };
}

/** `--help` or `-h` anywhere in the arguments. */
export const wantsHelp = (args: readonly string[]): boolean => args.includes('--help') || args.includes('-h');

/**
 * `--timeout-ms` of parsed options: `defaultMs` when absent, `undefined` (a usage error) when it is not a positive
 * number of milliseconds.
 */
export function timeoutOption(values: ReadonlyMap<string, string | undefined>, defaultMs: number): number | undefined {
  const timeoutMs = values.has('--timeout-ms') ? Number(values.get('--timeout-ms')) : defaultMs;
  return Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : undefined;
}

/** The usage error `timeoutOption` stands for. */
export const TIMEOUT_USAGE_ERROR = '--timeout-ms expects a positive number of milliseconds';

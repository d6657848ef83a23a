import { inspect } from 'node:util';
import { expect } from 'vitest';

// What the secret-scanning suites share: every rendering a user could see of a value, the console output of a piece
// of work, and the assertion that none of a secret's forms appears in a text.

/** Everything a user could see of a value: every rendering that prints own properties at any depth. */
export function renderings(value: unknown): string {
  const parts = [inspect(value, { depth: Infinity, showHidden: true, getters: true })];
  try {
    parts.push(JSON.stringify(value));
  } catch {
    // circular: inspect covers it
  }
  if (value instanceof Error) {
    parts.push(String(value), value.stack ?? '');
    let cause: unknown = value.cause;
    for (let i = 0; cause && i < 10; i++) {
      parts.push(inspect(cause, { depth: Infinity, showHidden: true }), String((cause as Error).stack ?? ''));
      cause = (cause as Error).cause;
    }
  }
  return parts.join('\n');
}

/** Fails, naming `where` and the form, when `text` holds any of `forms`. */
export function expectNoneOf(text: string, forms: Iterable<string>, where: string): void {
  for (const form of forms) expect(text.includes(form), `${where} shows the secret ${JSON.stringify(form)}`).toBe(false);
}

/** Everything written to the console while `work` runs (ioredis, kafkajs and the drivers may print on their own). */
export async function consoleOf<T>(work: () => Promise<T>): Promise<{ value: T; printed: string }> {
  const printed: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = (chunk: unknown) => {
    printed.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  // vitest routes console.* around process.stdout, so the console methods are captured themselves.
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) console[m] = (...args: unknown[]) => void printed.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: Infinity }))).join(' '));
  try {
    return { value: await work(), printed: printed.join('') };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    methods.forEach((m, i) => (console[m] = saved[i]!));
  }
}

/**
 * Every spelling of base64(`text`) (UTF-8) a secret may be echoed in: padded, bare, base64url padded and bare,
 * JSON-escaped (`/` as `\/`, as some servers write it) and percent-encoded.
 */
export function base64Forms(text: string): string[] {
  const std = Buffer.from(text, 'utf8').toString('base64');
  const bare = std.replace(/=+$/, '');
  const url = Buffer.from(text, 'utf8').toString('base64url');
  const forms = [std, bare, url, `${url}${'='.repeat(std.length - bare.length)}`, std.replaceAll('/', '\\/'), encodeURIComponent(std)];
  return [...new Set(forms)];
}

/** A password as text may show it: plain, percent-encoded, JSON-escaped (`/` as `\/`). */
export function passwordForms(password: string): string[] {
  return [...new Set([password, encodeURIComponent(password), password.replaceAll('/', '\\/')])];
}

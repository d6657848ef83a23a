import { stripUrlCredentials } from './providers/logger.js';
import { containsSecret, isSecretKey, REDACTED, scrubSecrets } from './secrets.js';

/** Deeper than this, a sanitized copy holds a placeholder: error objects are never that deep on purpose. */
const MAX_DEPTH = 8;

/** `text` without registered secrets and without credentials inside URLs. */
export function safeText(text: string): string {
  return stripUrlCredentials(scrubSecrets(text));
}

/** The message of any thrown value, safe to report or log. */
export function safeMessage(error: unknown): string {
  return safeText(error instanceof Error ? error.message : String(error));
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isEmitter(value: object): boolean {
  const candidate = value as { on?: unknown; emit?: unknown };
  return typeof candidate.on === 'function' && typeof candidate.emit === 'function';
}

/**
 * A copy of `value` that is safe to hand to the application: every string scrubbed (see {@link safeText}), values
 * under secret-named keys replaced, at any depth, through `cause` chains, arrays, maps and sets. Errors (and plain
 * or data-class objects) keep their prototype, so `instanceof` and getters such as `MongoError#errmsg` still work;
 * non-enumerable properties (`message`, `stack`, `cause`) are copied too. Live objects (sockets, clients, anything
 * that emits events) become a `[ClassName]` placeholder rather than a copy. The original is not modified.
 */
export function sanitizeError<T>(value: T): T {
  return copy(value, 0, '', new Map()) as T;
}

function copy(value: unknown, depth: number, parentKey: string, seen: Map<object, unknown>): unknown {
  if (typeof value === 'string') return safeText(value);
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (depth > MAX_DEPTH) return '[Truncated]';
  if (ArrayBuffer.isView(value)) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return containsSecret(bytes.toString('latin1')) ? REDACTED : value;
  }
  if (value instanceof Date || value instanceof RegExp) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(copy(item, depth + 1, parentKey, seen));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    seen.set(value, out);
    for (const [key, item] of value) out.set(copy(key, depth + 1, '', seen), copy(item, depth + 1, String(key).toLowerCase(), seen));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    seen.set(value, out);
    for (const item of value) out.add(copy(item, depth + 1, parentKey, seen));
    return out;
  }
  if (!(value instanceof Error) && !isPlain(value) && isEmitter(value)) {
    return `[${(value as object).constructor?.name ?? 'Object'}]`;
  }
  const out = Object.create(Object.getPrototypeOf(value) as object | null) as Record<PropertyKey, unknown>;
  seen.set(value, out);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor: PropertyDescriptor = Object.getOwnPropertyDescriptor(value, key)!;
    const name = typeof key === 'string' ? key.toLowerCase() : '';
    let item: unknown;
    if ('value' in descriptor) {
      item = descriptor.value;
    } else {
      try {
        item = descriptor.get?.call(value);
      } catch {
        item = undefined;
      }
    }
    const safe = typeof item === 'function' ? item : isSecretKey(name, parentKey) && item !== undefined ? REDACTED : copy(item, depth + 1, name, seen);
    Object.defineProperty(out, key, { value: safe, enumerable: descriptor.enumerable, writable: true, configurable: true });
  }
  return out;
}

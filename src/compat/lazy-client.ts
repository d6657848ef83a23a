/**
 * A stand-in for a module-level client that builds the real one on first property access. It exists only so the
 * original `redis`/`prisma`/... exports keep working without connecting at import; the getter functions return
 * the real client with no indirection and are the fast path.
 */
export function lazyClient<T extends object>(get: () => T): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const client = get();
      const value = Reflect.get(client, property, client) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(client) : value;
    },
    set(_target, property, value) {
      return Reflect.set(get(), property, value);
    },
    has(_target, property) {
      return Reflect.has(get(), property);
    },
    getPrototypeOf() {
      return Reflect.getPrototypeOf(get());
    },
  });
}

import { withTimeout } from '../lifecycle/timeout.js';

/**
 * The bound on every Redis command the cache sends itself. The Redis tier shares the RedisProvider's client, whose
 * settings belong to the application: no command timeout by default, and `REDIS_MAX_RETRIES_PER_REQUEST=unlimited`
 * (as BullMQ users set it) keeps a command queued for as long as Redis is away. Either way a frozen or unreachable
 * Redis would hold every cache call, the memory tier included, until Redis came back. Here each command of the
 * cache fails with a `TimeoutError` after `timeoutMs` (bentocache then opens its circuit breaker and answers from the
 * memory tier), and while the Redis tier is known to be failing the bus publishes nothing, so a cache call waits for
 * at most one bound. The command itself stays queued on the shared client (Redis runs it if it comes back): a timer
 * cannot take back what was written to a socket.
 */
export class RedisTierGuard {
  /** Set by a failed or timed-out command; cleared by the next command that succeeds. */
  #failing = false;

  /**
   * @param timeoutMs bound of one command (`CACHE_REDIS_TIMEOUT_MS`)
   * @param onRecovered called when a command succeeds after a failure (the outage's end)
   */
  constructor(readonly timeoutMs: number, private readonly onRecovered: () => void = () => undefined) {}

  /** True from a failed command until one succeeds. */
  get failing(): boolean {
    return this.#failing;
  }

  /**
   * Runs `command`; rejects with a `TimeoutError` naming `what` when it has not settled within `timeoutMs` (times
   * `factor`). A command that settles later is ignored (its rejection is handled).
   */
  async run<T>(what: string, command: () => Promise<T>, factor = 1): Promise<T> {
    try {
      const result = await withTimeout(command, this.timeoutMs * factor, `cache: Redis ${what}`);
      if (this.#failing) {
        this.#failing = false;
        this.onRecovered();
      }
      return result;
    } catch (error) {
      this.#failing = true;
      throw error;
    }
  }
}

/** The bentocache L2 driver methods that send commands (`clear` scans the keyspace: it gets 30 bounds). */
const BOUNDED = { get: 'GET', pull: 'GETDEL', set: 'SET', delete: 'UNLINK', deleteMany: 'UNLINK (pipeline)', clear: 'SCAN/UNLINK' } as const;
const CLEAR_FACTOR = 30;

/** The part of bentocache's L2 driver contract this module touches. */
interface L2Driver {
  namespace(namespace: string): L2Driver;
  disconnect(): Promise<void>;
}

/**
 * `driver` with each command method bounded by `guard`, `namespace()` returning a bounded driver too, and
 * `disconnect()` a no-op: the shared client belongs to the RedisProvider, which closes it after the cache drained.
 */
export function boundedDriver<D extends object>(driver: D, guard: RedisTierGuard): D {
  const target = driver as unknown as L2Driver & Record<string, unknown>;
  for (const [method, what] of Object.entries(BOUNDED)) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    const call = original as (...args: unknown[]) => Promise<unknown>;
    target[method] = (...args: unknown[]) => guard.run(what, () => call.apply(driver, args), method === 'clear' ? CLEAR_FACTOR : 1);
  }
  const namespace = target.namespace.bind(driver);
  target.namespace = (name: string) => boundedDriver(namespace(name), guard);
  target.disconnect = async () => undefined;
  return driver;
}

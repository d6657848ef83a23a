import type { Logger } from './logger.js';
import type { Cluster, Redis } from 'ioredis';
import { errorMessage } from '../errors.js';
import { RedisTierGuard } from './cache-guard.js';
import { guardConnection, type RedisClient } from './redis.js';

type Handler = (payload: unknown) => void;

/** What bentocache publishes: which keys of which namespace changed, and how. */
export interface BusPayload {
  readonly type: 'set' | 'delete' | 'expire' | 'clear';
  readonly keys: readonly string[];
  readonly namespace?: string;
}

/** What goes over the channel: the sending bus's id (its own messages are ignored) and bentocache's payload. */
interface Envelope {
  readonly busId: string;
  readonly payload: BusPayload;
}

/** A message longer than this is dropped unparsed (a `deleteMany` of thousands of keys stays well below it). */
export const MAX_BUS_MESSAGE_BYTES = 1024 * 1024;
const MESSAGE_TYPES: ReadonlySet<string> = new Set(['set', 'delete', 'expire', 'clear']);
/** Dropped messages are reported again, with their count, after this long. */
const DROP_REPORT_INTERVAL_MS = 60_000;

/** Messages the bus writes itself (exported for tests and for log-based alerts). */
export const BUS_LOG = {
  dropped: 'cache bus: dropped a malformed message (another client publishes on the cache channel)',
  subscribeFailed: 'cache bus: subscribing failed; other processes\' changes do not reach this memory tier until it succeeds',
  subscribed: 'cache bus: subscribed again',
} as const;

/**
 * The envelope in `message` checked field by field, or why it is refused. Only the fields bentocache reads are
 * copied out, so nothing else of a foreign message reaches it.
 */
export function parseBusMessage(message: string): Envelope | string {
  if (message.length > MAX_BUS_MESSAGE_BYTES) return 'too long';
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return 'not JSON';
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const { busId, payload } = raw as { busId?: unknown; payload?: unknown };
  if (typeof busId !== 'string' || busId === '') return 'no busId';
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'no payload object';
  const { type, keys, namespace } = payload as { type?: unknown; keys?: unknown; namespace?: unknown };
  if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) return 'unknown type';
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) return 'keys are not a list of strings';
  if (namespace !== undefined && typeof namespace !== 'string') return 'namespace is not a string';
  return {
    busId,
    payload: { type: type as BusPayload['type'], keys: [...(keys as string[])], ...(namespace !== undefined ? { namespace } : {}) },
  };
}

/** One health answer per connection of the bus. */
export interface BusStatus {
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * The transport of bentocache's bus (the `@boringnode/bus` Transport contract: setId, publish, subscribe,
 * unsubscribe, onReconnect, disconnect) over Redis pub/sub. bentocache's own Redis transport would work, but it
 * duplicates the connection into two clients it keeps private: no `error` listener (ioredis then prints every
 * reconnection failure to the console), no way to probe them for health, and a `quit()` on disposal that waits for a
 * server that may be gone. This one duplicates the RedisProvider's client (same TLS, credentials, mode and retry
 * policy), logs through the provider's logger, reports both connections' state, and closes within the budget.
 * Channels carry `channelPrefix` (CACHE_KEY_PREFIX), so two applications sharing a Redis never see each other's.
 *
 * Pub/sub is server-wide: any client of the same Redis can publish on the channel. Every message is checked before
 * bentocache sees it (`parseBusMessage`); a malformed one is dropped and counted, with one warning a minute. Nothing
 * the transport does rejects where nobody listens: bentocache subscribes without awaiting, so a failed subscription is
 * recorded (health says `down` with the reason), retried on every reconnection, and never an unhandled rejection.
 * Each command is bounded by `CACHE_REDIS_TIMEOUT_MS`; while the Redis tier fails, publishing fails at once (the
 * bus's retry queue sends it once Redis answers again).
 */
export class CacheBusTransport {
  readonly #publisher: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #handlers = new Map<string, Handler[]>();
  readonly #reconnectCallbacks: Array<() => void> = [];
  readonly #log: Logger;
  /** Bounds this transport's own commands (PUBLISH, SUBSCRIBE, QUIT). */
  readonly #guard: RedisTierGuard;
  #id = '';
  /** Channels whose last SUBSCRIBE failed, with the reason (health reports them; the next `ready` retries). */
  readonly #unsubscribed = new Map<string, string>();
  #dropped = 0;
  #droppedReportedAt: number | undefined;

  /**
   * @param tier the Redis tier's guard: while it fails, publishing fails at once instead of waiting for its bound
   */
  constructor(client: RedisClient, readonly channelPrefix: string, log: Logger, private readonly tier: RedisTierGuard) {
    this.#log = log;
    this.#guard = new RedisTierGuard(tier.timeoutMs);
    this.#publisher = watch(client.duplicate() as RedisClient, log.child({ role: 'bus-publisher' }));
    this.#subscriber = watch(client.duplicate() as RedisClient, log.child({ role: 'bus-subscriber' }));
    this.#subscriber.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
    let readyOnce = false;
    // ioredis subscribes again by itself after a reconnection (to what it had subscribed); a channel whose SUBSCRIBE
    // failed is subscribed here. Then the bus republishes what failed meanwhile.
    this.#subscriber.on('ready', () => {
      for (const channel of this.#unsubscribed.keys()) void this.#subscribe(channel);
      if (readyOnce) for (const callback of this.#reconnectCallbacks) callback();
      readyOnce = true;
    });
  }

  setId(id: string): this {
    this.#id = id;
    return this;
  }

  onReconnect(callback: () => void): void {
    this.#reconnectCallbacks.push(callback);
  }

  /** Rejects at once while the Redis tier fails, and after `CACHE_REDIS_TIMEOUT_MS` without an answer. */
  async publish(channel: string, payload: unknown): Promise<void> {
    if (this.tier.failing) throw new Error('cache bus: not published while the Redis tier is failing (queued for a retry)');
    const envelope = { busId: this.#id, payload };
    await this.#guard.run('PUBLISH', () => this.#publisher.publish(this.#channel(channel), JSON.stringify(envelope)));
  }

  /** Never rejects (bentocache does not await it): a failure is kept for health and retried on the next `ready`. */
  async subscribe<T>(channel: string, handler: (payload: T) => void): Promise<void> {
    const handlers = this.#handlers.get(channel) ?? [];
    handlers.push(handler as Handler);
    this.#handlers.set(channel, handlers);
    await this.#subscribe(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.#handlers.delete(channel);
    this.#unsubscribed.delete(channel);
    await this.#guard.run('UNSUBSCRIBE', () => this.#subscriber.unsubscribe(this.#channel(channel))).catch((error: unknown) => {
      this.#log.debug({ error: errorMessage(error) }, 'cache bus: unsubscribing failed');
    });
  }

  async #subscribe(channel: string): Promise<void> {
    try {
      // Unbounded on purpose: with no connection ioredis keeps it queued and sends it on reconnection.
      await this.#subscriber.subscribe(this.#channel(channel));
      if (this.#unsubscribed.delete(channel) && this.#unsubscribed.size === 0) this.#log.info(BUS_LOG.subscribed);
    } catch (error) {
      if (!this.#handlers.has(channel)) return;
      const first = this.#unsubscribed.size === 0;
      this.#unsubscribed.set(channel, errorMessage(error));
      if (first) this.#log.warn({ error: errorMessage(error) }, BUS_LOG.subscribeFailed);
    }
  }

  /**
   * Resolves once both connections are ready (connect() waits for it; the publisher otherwise connects on its first
   * publish); rejects when `signal` aborts.
   */
  async ready(signal: AbortSignal): Promise<void> {
    if (this.#publisher.status === 'wait') this.#publisher.connect().catch(() => undefined);
    await Promise.all([this.#subscriber, this.#publisher].map((connection) => readyOf(connection, signal)));
  }

  /**
   * The subscriber ready and subscribed, and the publisher answers a PING (a publisher that never published connects
   * for it). A failure says why: the connection's state and its last error, or the failed subscription's reason.
   */
  async probe(): Promise<BusStatus> {
    const subscriber = this.#subscriber.status;
    if (subscriber !== 'ready') return { ok: false, error: `subscriber connection is ${subscriber}${lastErrorOf(this.#subscriber)}` };
    const [failed] = this.#unsubscribed.values();
    if (failed !== undefined) return { ok: false, error: `not subscribed to the cache channel: ${failed}` };
    const publisher = this.#publisher.status;
    if (publisher !== 'ready' && publisher !== 'wait') return { ok: false, error: `publisher connection is ${publisher}${lastErrorOf(this.#publisher)}` };
    await this.#publisher.ping();
    return { ok: true };
  }

  /** Messages dropped as malformed since the bus was made. */
  get droppedMessages(): number {
    return this.#dropped;
  }

  /**
   * A ready connection quits (the server answers what was sent first), within `CACHE_REDIS_TIMEOUT_MS`; any other,
   * or one whose QUIT found no answer, is disconnected at once.
   */
  async disconnect(): Promise<void> {
    await Promise.all([this.#publisher, this.#subscriber].map(async (connection) => {
      if (connection.status !== 'ready') {
        connection.disconnect();
        return;
      }
      const ended = new Promise((resolve) => connection.once('end', resolve));
      try {
        await this.#guard.run('QUIT', async () => {
          await connection.quit();
          if ((connection.status as string) !== 'end') await ended;
        });
      } catch {
        connection.disconnect();
        (connection as { stream?: { destroy(): void } }).stream?.destroy();
      }
    }));
  }

  /** The hard close after a graceful one ran out of time. */
  destroy(): void {
    for (const connection of [this.#publisher, this.#subscriber]) {
      connection.disconnect();
      (connection as { stream?: { destroy(): void } }).stream?.destroy();
    }
  }

  #channel(channel: string): string {
    return `${this.channelPrefix}:${channel}`;
  }

  #onMessage(received: string, message: string): void {
    const prefix = `${this.channelPrefix}:`;
    if (!received.startsWith(prefix)) return;
    const handlers = this.#handlers.get(received.slice(prefix.length));
    if (!handlers) return;
    const envelope = parseBusMessage(message);
    if (typeof envelope === 'string') return this.#drop(envelope);
    if (envelope.busId === this.#id) return;
    for (const handler of handlers) {
      try {
        // bentocache's handler is async and its promise is not awaited by the bus: catch it here.
        void Promise.resolve(handler(envelope.payload)).catch((error: unknown) => this.#drop(`handler failed: ${errorMessage(error)}`));
      } catch (error) {
        this.#drop(`handler failed: ${errorMessage(error)}`);
      }
    }
  }

  /** Counts a dropped message; warns for the first one and then once a minute, with the count. Never logs its text. */
  #drop(reason: string): void {
    this.#dropped += 1;
    const now = Date.now();
    if (this.#droppedReportedAt !== undefined && now - this.#droppedReportedAt < DROP_REPORT_INTERVAL_MS) {
      this.#log.debug({ reason, dropped: this.#dropped }, BUS_LOG.dropped);
      return;
    }
    this.#droppedReportedAt = now;
    this.#log.warn({ reason, dropped: this.#dropped }, BUS_LOG.dropped);
  }
}

/** `: <last error>` of a connection that failed, or nothing. */
function lastErrorOf(connection: RedisClient): string {
  const error = lastErrors.get(connection);
  return error ? `: ${error}` : '';
}

/** The last error each bus connection reported, until it is ready again. */
const lastErrors = new WeakMap<RedisClient, string>();

function readyOf(connection: RedisClient, signal: AbortSignal): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      connection.off('ready', onReady);
      reject(signal.reason as Error);
    };
    const onReady = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    connection.once('ready', onReady);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Connection events at debug: the RedisProvider's own client already warns about the same outage, and the cache
 * reports it once (see `CacheProvider`). The listener also keeps ioredis from printing errors to the console.
 */
function watch(connection: RedisClient, log: Logger): RedisClient {
  if (connection.isCluster) (connection as Cluster).on('+node', (node: Redis) => guardConnection(node, log));
  else guardConnection(connection as Redis, log);
  connection.on('error', (error: Error) => {
    const message = errorMessage(error);
    if (message !== lastErrors.get(connection)) log.debug({ error: message }, 'bus connection error');
    lastErrors.set(connection, message);
  });
  connection.on('ready', () => {
    if (lastErrors.delete(connection)) log.info('bus connection ready again');
  });
  return connection;
}

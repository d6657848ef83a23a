import type { Logger } from './logger.js';
import type { Cluster, Redis } from 'ioredis';
import { guardConnection, type RedisClient } from './redis.js';

type Handler = (payload: unknown) => void;

/** What goes over the channel: the sending bus's id (its own messages are ignored) and bentocache's payload. */
interface Envelope {
  readonly busId: string;
  readonly payload: unknown;
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
 */
export class CacheBusTransport {
  readonly #publisher: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #handlers = new Map<string, Handler[]>();
  readonly #reconnectCallbacks: Array<() => void> = [];
  #id = '';

  constructor(client: RedisClient, readonly channelPrefix: string, log: Logger) {
    this.#publisher = watch(client.duplicate() as RedisClient, log.child({ role: 'bus-publisher' }));
    this.#subscriber = watch(client.duplicate() as RedisClient, log.child({ role: 'bus-subscriber' }));
    this.#subscriber.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
    let readyOnce = false;
    // ioredis subscribes again by itself after a reconnection; then the bus republishes what failed meanwhile.
    this.#subscriber.on('ready', () => {
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

  async publish(channel: string, payload: unknown): Promise<void> {
    const envelope: Envelope = { busId: this.#id, payload };
    await this.#publisher.publish(this.#channel(channel), JSON.stringify(envelope));
  }

  async subscribe<T>(channel: string, handler: (payload: T) => void): Promise<void> {
    const handlers = this.#handlers.get(channel) ?? [];
    handlers.push(handler as Handler);
    this.#handlers.set(channel, handlers);
    await this.#subscriber.subscribe(this.#channel(channel));
  }

  async unsubscribe(channel: string): Promise<void> {
    this.#handlers.delete(channel);
    await this.#subscriber.unsubscribe(this.#channel(channel));
  }

  /**
   * Resolves once both connections are ready (connect() waits for it; the publisher otherwise connects on its first
   * publish); rejects when `signal` aborts.
   */
  async ready(signal: AbortSignal): Promise<void> {
    if (this.#publisher.status === 'wait') this.#publisher.connect().catch(() => undefined);
    await Promise.all([this.#subscriber, this.#publisher].map((connection) => readyOf(connection, signal)));
  }

  /** The subscriber ready, and the publisher answers a PING (a publisher that never published connects for it). */
  async probe(): Promise<BusStatus> {
    if (this.#subscriber.status !== 'ready') return { ok: false, error: `subscriber connection is ${this.#subscriber.status}` };
    const publisher = this.#publisher.status;
    if (publisher !== 'ready' && publisher !== 'wait') return { ok: false, error: `publisher connection is ${publisher}` };
    await this.#publisher.ping();
    return { ok: true };
  }

  /** A ready connection quits (the server answers what was sent first); any other is disconnected at once. */
  async disconnect(): Promise<void> {
    await Promise.all([this.#publisher, this.#subscriber].map(async (connection) => {
      if (connection.status !== 'ready') {
        connection.disconnect();
        return;
      }
      const ended = new Promise((resolve) => connection.once('end', resolve));
      await connection.quit().catch(() => connection.disconnect());
      if ((connection.status as string) !== 'end') await ended;
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
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (typeof envelope?.busId !== 'string' || envelope.busId === this.#id) return;
    for (const handler of handlers) handler(envelope.payload);
  }
}

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
  let lastError = '';
  connection.on('error', (error: Error) => {
    if (error.message !== lastError) log.debug({ error: error.message }, 'bus connection error');
    lastError = error.message;
  });
  connection.on('ready', () => {
    if (lastError) log.info('bus connection ready again');
    lastError = '';
  });
  return connection;
}

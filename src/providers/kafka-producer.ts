import type { Producer } from 'kafkajs';
import { DisposedError, ProviderError } from '../errors.js';

/** Where the shared producer is in its life. */
export type ProducerState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

interface InFlight {
  readonly reject: (error: Error) => void;
}

/**
 * A failed send as a {@link ProviderError} naming Kafka, the kafkajs error (for example
 * `KafkaJSNumberOfRetriesExceeded`) kept as `cause`; the package's own errors pass unchanged.
 */
function wrapSendError(error: unknown): never {
  if (error instanceof ProviderError) throw error;
  const message = error instanceof Error ? error.message : String(error);
  throw new ProviderError('kafka', `send failed: ${message}`, { cause: error });
}

/**
 * The provider's one producer: the real kafkajs `Producer` object, whose `connect`, `disconnect`, `send` and
 * `sendBatch` are replaced on the instance so that
 * - the first send connects it (kafkajs alone throws "The producer is disconnected");
 * - every send is tracked, so closing awaits the sends already issued (kafkajs' `disconnect()` does not, #879);
 * - every send asks for acks=-1 unless the caller set `acks`, and a failed one rejects with a {@link ProviderError};
 * - sends are refused with a {@link ProviderError} once the provider shuts down, or after an explicit
 *   `disconnect()` until an explicit `connect()`: nothing reconnects a producer that was disconnected on purpose.
 * kafkajs builds the producer as a plain object of closures, so replacing its methods changes nothing else.
 */
export class SharedProducer {
  readonly producer: Producer;
  #state: ProducerState = 'idle';
  #connecting: Promise<void> | undefined;
  readonly #inflight = new Set<InFlight>();
  #drained: Array<() => void> = [];
  readonly #raw: Pick<Producer, 'connect' | 'disconnect' | 'send' | 'sendBatch'>;

  constructor(
    producer: Producer,
    /** True once the provider shuts down. */
    private readonly isClosing: () => boolean,
    /** Called when a new connection attempt starts. */
    private readonly onAttempt: () => void = () => undefined,
    /** True while at least one broker connection is up. */
    private readonly hasConnection: () => boolean = () => true,
  ) {
    this.producer = producer;
    const { connect, disconnect, send, sendBatch } = producer;
    this.#raw = { connect, disconnect, send, sendBatch };
    producer.connect = () => this.connect();
    producer.disconnect = () => this.disconnect();
    // acks=-1 (every in-sync replica) unless the caller asks otherwise: kafkajs' own default, made explicit here so
    // that the durability a send resolves with never depends on a library default.
    producer.send = (record) => this.#guard(() => send({ ...record, acks: record.acks ?? -1 }));
    producer.sendBatch = (batch) => this.#guard(() => sendBatch({ ...batch, acks: batch.acks ?? -1 }));
  }

  get state(): ProducerState {
    return this.#state;
  }

  /** Sends issued and not yet settled. */
  get inFlight(): number {
    return this.#inflight.size;
  }

  /** Connects once; concurrent callers share the attempt. A failure leaves it idle, so a later send tries again. */
  connect(): Promise<void> {
    if (this.#state === 'closed' || this.isClosing()) return Promise.reject(new DisposedError('kafka'));
    if (this.#state === 'connected') return Promise.resolve();
    this.#connecting ??= (async () => {
      this.#state = 'connecting';
      this.onAttempt();
      try {
        await this.#raw.connect();
        if (this.#state === 'connecting') this.#state = 'connected';
      } catch (error) {
        if (this.#state === 'connecting') this.#state = 'idle';
        throw new ProviderError('kafka', `producer connect failed: ${(error as Error).message}`, { cause: error });
      } finally {
        this.#connecting = undefined;
      }
    })();
    return this.#connecting;
  }

  /**
   * Drops a connection that `connect()` reported but that does not answer (kafkajs 2.2.4 can resolve its connect over
   * a stalled link): back to idle, so the next send or `connect()` dials afresh.
   */
  async reset(): Promise<void> {
    if (this.#state !== 'connected') return;
    this.#state = 'idle';
    await this.#raw.disconnect().catch(() => undefined);
  }

  /** An intentional disconnect: later sends are refused (not reconnected) until `connect()` is called again. */
  async disconnect(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'disconnected';
    await this.#settle();
  }

  /**
   * Refuses new sends, awaits the ones in flight, then disconnects. Bounded by the caller. With no broker connection
   * (never connected, or every broker gone) nothing can be flushed: the sends still waiting are rejected at once and
   * the result says so.
   */
  async close(): Promise<string | undefined> {
    const before = this.#state;
    this.#state = 'closed';
    if (before === 'connected' && this.hasConnection()) {
      await this.#settle();
      return undefined;
    }
    // A connect still retrying ends by itself: the provider refuses it new connections from now on.
    void this.#connecting?.catch(() => undefined);
    const rejected = this.#reject('send aborted: the provider was disposed while no broker connection was up; the message was not acknowledged');
    await this.#raw.disconnect();
    if (before !== 'connected' && before !== 'connecting' && rejected === 0) return undefined;
    return `no broker connection (${before}): closed at once, ${rejected} unacknowledged send${rejected === 1 ? '' : 's'} rejected`;
  }

  /** Rejects every send still in flight (after a close ran out of time); kafkajs may still finish them. */
  abort(): number {
    return this.#reject('send aborted: the provider was disposed before the broker acknowledged it (the message may or may not have been written)');
  }

  #reject(message: string): number {
    const count = this.#inflight.size;
    const error = new ProviderError('kafka', message);
    for (const entry of this.#inflight) entry.reject(error);
    this.#inflight.clear();
    this.#flushDrained();
    return count;
  }

  async #settle(): Promise<void> {
    // Sends still waiting for the connection are in flight too, so waiting for them covers a pending connect.
    await this.#drain();
    await this.#connecting?.catch(() => undefined);
    await this.#raw.disconnect();
  }

  #guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.#state === 'closed' || this.isClosing()) {
      return Promise.reject(new ProviderError('kafka', 'send refused: the provider is shutting down'));
    }
    if (this.#state === 'disconnected') {
      return Promise.reject(
        new ProviderError('kafka', 'send refused: the producer was disconnected on purpose; call producer.connect() to use it again'),
      );
    }
    return this.#track((this.#state === 'connected' ? work() : this.connect().then(work)).catch(wrapSendError));
  }

  #track<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: InFlight = { reject };
      this.#inflight.add(entry);
      const done = () => {
        if (this.#inflight.delete(entry) && this.#inflight.size === 0) this.#flushDrained();
      };
      work.then(
        (value) => {
          done();
          resolve(value);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  #drain(): Promise<void> {
    if (this.#inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  #flushDrained(): void {
    const waiters = this.#drained;
    this.#drained = [];
    for (const resolve of waiters) resolve();
  }
}

import type { Admin, Consumer, ConsumerConfig, Kafka, KafkaConfig as KafkaJsConfig, Producer, RetryOptions } from 'kafkajs';
import { inject, injectable } from 'tsyringe';
import type { DbConfig, KafkaConfig, RetryPolicy } from '../config/index.js';
import { ConfigError, DisposedError, errorMessage, ProviderError } from '../errors.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import { LazyProvider } from '../lifecycle/lazy-provider.js';
import type { ProviderDisposal } from '../lifecycle/types.js';
import { DB_CONFIG, DB_LIFECYCLE, LOGGER } from '../tokens.js';
import { KafkaConsumers } from './kafka-consumers.js';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-logging.js';
import { SharedProducer } from './kafka-producer.js';
import { fixNegativeRequestTimer } from './kafka-request-queue.js';
import { SocketPool } from './kafka-sockets.js';
import type { Logger } from './logger.js';

/** Options of {@link KafkaProvider.consumer}: kafkajs' consumer options without `groupId`. */
export type KafkaConsumerOptions = Omit<ConsumerConfig, 'groupId'>;

/** The retry policy as kafkajs' `retry`: `factor` is kafkajs' randomization, `multiplier` the growth. */
export function toKafkaRetry(policy: RetryPolicy): RetryOptions {
  return {
    retries: policy.retries,
    initialRetryTime: policy.initialDelayMs,
    maxRetryTime: policy.maxDelayMs,
    multiplier: policy.factor,
    factor: policy.jitter ? 0.2 : 0,
  };
}

/**
 * kafkajs client options from the config (sockets from `sockets`, logs to `log`). The seed brokers are given as a
 * function that answers an empty list once `refuse()` is true: kafkajs treats that as a non-retriable error, which is
 * the only way to end its connect retry loop from outside (disposal, or a `connect()` that timed out).
 */
export function kafkaJsOptions(cfg: KafkaConfig, log: Logger, sockets: SocketPool, refuse: () => boolean = () => false): KafkaJsConfig {
  const seeds = [...cfg.brokers];
  const tls = cfg.tls;
  // Only the fields that are set: an explicit `servername: undefined` would override the SNI name taken from the host.
  const ssl = tls && Object.fromEntries(Object.entries(tls).filter(([, value]) => value !== undefined));
  return {
    brokers: () => (refuse() || sockets.closed ? [] : seeds),
    clientId: cfg.clientId,
    ...(ssl ? { ssl } : {}),
    ...(cfg.sasl ? { sasl: { mechanism: cfg.sasl.mechanism, username: cfg.sasl.username, password: cfg.sasl.password } as KafkaJsConfig['sasl'] } : {}),
    connectionTimeout: cfg.connectionTimeoutMs,
    requestTimeout: cfg.requestTimeoutMs,
    retry: toKafkaRetry(cfg.retry),
    logLevel: kafkaLogLevel(log),
    logCreator: kafkaLogCreator(log),
    socketFactory: sockets.factory(),
  };
}

/**
 * The idempotence options of the shared producer (`KAFKA_IDEMPOTENT`). kafkajs needs acks=-1 (the shared producer's
 * default, see `SharedProducer`) and at least one retry (checked by the config); it already serialises produce
 * requests per broker while idempotent, and the in-flight cap is Kafka's own rule for idempotence (at most 5 per
 * connection). The retries stay those of the policy, so a send still fails in bounded time (kafkajs warns that
 * bounded retries weaken its guarantee; the broker still drops a batch it already wrote).
 */
export function idempotenceOptions(cfg: KafkaConfig): { idempotent: boolean; maxInFlightRequests?: number } {
  return cfg.idempotent ? { idempotent: true, maxInFlightRequests: 5 } : { idempotent: false };
}

/**
 * The default `maxWaitTimeInMs` of consumers: a quarter of the shutdown deadline, at most kafkajs' own 5000 ms. A
 * consumer's disconnect waits for the fetch in flight, and consumers get half the deadline: with kafkajs' default and
 * the default 10 s deadline, a disconnect right after a message could take the whole share and time out. Options
 * given to `consumer()` win.
 */
export function consumerMaxWaitMs(shutdownTimeoutMs: number): number {
  return Math.max(100, Math.min(5000, Math.floor(shutdownTimeoutMs / 4)));
}

/**
 * Kafka through kafkajs, loaded on first use. `client` is the real `Kafka`; `producer()` is one shared producer,
 * connected on the first send; `consumer()` and `admin()` hand out real kafkajs objects that disposal closes.
 * Disposal: consumers stop first (their own `kafka-consumers` row, in the `consumers` phase), then new sends are
 * refused, sends already issued are awaited, and the producer and admins disconnect; what is still open when
 * the budget runs out is destroyed. Nothing reconnects after an intentional disconnect.
 */
@injectable()
export class KafkaProvider extends LazyProvider<Kafka> {
  readonly #config: KafkaConfig | undefined;
  /** Consumers' default fetch long-poll (see {@link consumerMaxWaitMs}). */
  readonly #maxWaitMs: number;
  readonly #consumers: KafkaConsumers;
  readonly #sockets = new SocketPool();
  readonly #admins = new Set<Admin>();
  #producer: SharedProducer | undefined;
  #health: { admin: Admin; connected?: Promise<void> } | undefined;
  /** Disconnects of dropped health admins, awaited by disposal. */
  readonly #retiring = new Set<Promise<void>>();
  #used = false;
  #closing = false;
  /** A `connect()` was stopped (timeout, caller's signal): the shared producer's retry loop must end. */
  #connectStopped = false;

  constructor(
    @inject(DB_CONFIG) config: DbConfig,
    @inject(LOGGER) logger: Logger,
    @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle,
  ) {
    super('kafka', 'producers', logger, lifecycle);
    this.#config = config.kafka;
    this.#maxWaitMs = consumerMaxWaitMs(config.shutdownTimeoutMs);
    this.#consumers = new KafkaConsumers(this.log);
    lifecycle.track(this.#consumers);
  }

  get isConfigured(): boolean {
    return this.#config !== undefined;
  }

  #settings(): KafkaConfig {
    if (this.#config) return this.#config;
    throw new ConfigError(
      [{ variable: 'KAFKA_SERVICE_URI', expected: 'comma-separated host:port list of seed brokers' }],
      'Kafka is not configured',
    );
  }

  get #stopping(): boolean {
    return this.#closing || this.#consumers.closing || this.lifecycle.disposing;
  }

  #assertOpen(): void {
    if (this.#stopping) throw new DisposedError(this.name);
  }

  protected createClient(): Kafka {
    const { Kafka: KafkaClass } = require('kafkajs') as typeof import('kafkajs');
    fixNegativeRequestTimer();
    return new KafkaClass(kafkaJsOptions(this.#settings(), this.log, this.#sockets, () => this.#stopping || this.#connectStopped));
  }

  /**
   * The shared producer (the real kafkajs `Producer`), connected on its first send. Sends after disposal began,
   * or after an explicit `disconnect()`, reject with a {@link ProviderError}.
   * @throws {DisposedError} once disposal began.
   */
  producer(): Producer {
    this.#assertOpen();
    if (this.#producer) return this.#producer.producer;
    const cfg = this.#settings();
    const { Partitioners } = require('kafkajs') as typeof import('kafkajs');
    const producer = this.client.producer({
      allowAutoTopicCreation: cfg.allowAutoTopicCreation,
      createPartitioner: cfg.partitioner === 'legacy' ? Partitioners.LegacyPartitioner : Partitioners.DefaultPartitioner,
      ...idempotenceOptions(cfg),
    });
    const log = this.log.child({ role: 'producer', target: cfg.target });
    producer.on(producer.events.CONNECT, () => log.info('producer connected'));
    producer.on(producer.events.DISCONNECT, () => log.info('producer disconnected'));
    producer.on(producer.events.REQUEST_TIMEOUT, ({ payload }) => log.warn({ broker: payload.broker, apiName: payload.apiName }, 'request timed out'));
    this.#producer = new SharedProducer(producer, () => this.#stopping, () => {
      this.#connectStopped = false;
    }, () => this.#sockets.connected > 0);
    this.#used = true;
    return producer;
  }

  /**
   * A new consumer of `groupId` (the real kafkajs `Consumer`), stopped and disconnected by disposal before the
   * producer. After disposal begins it never restarts itself after a crash.
   * @throws {DisposedError} once disposal began.
   */
  consumer(groupId: string, options: KafkaConsumerOptions = {}): Consumer {
    this.#assertOpen();
    const cfg = this.#settings();
    void this.client; // built so that health() can probe a consumer-only service
    this.#used = true;
    const { Kafka: KafkaClass } = require('kafkajs') as typeof import('kafkajs');
    fixNegativeRequestTimer();
    // Its own kafkajs client (a consumer gets its own cluster connection anyway) so that its sockets can be
    // destroyed alone when its handler hangs.
    const sockets = new SocketPool();
    const log = this.log.child({ role: 'consumer', groupId });
    const userRestart = options.retry?.restartOnFailure;
    const consumer = new KafkaClass(kafkaJsOptions(cfg, this.log, sockets, () => this.#stopping)).consumer({
      maxWaitTimeInMs: this.#maxWaitMs,
      ...options,
      groupId,
      retry: {
        ...toKafkaRetry(cfg.retry),
        ...options.retry,
        restartOnFailure: async (error) => !this.#stopping && (userRestart ? await userRestart(error) : true),
      },
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => log.info({ memberId: payload.memberId, isLeader: payload.isLeader }, 'joined group'));
    // kafkajs restarts a consumer after a retriable failure (a group coordinator still loading, a broker restarting):
    // a warning then; an error only when the consumer stays down.
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      payload.restart
        ? log.warn({ err: payload.error, restart: true }, 'consumer crashed; kafkajs restarts it')
        : log.error({ err: payload.error, restart: false }, 'consumer crashed'),
    );
    consumer.on(consumer.events.STOP, () => log.info('consumer stopped'));
    this.#consumers.add(consumer, groupId, sockets);
    return consumer;
  }

  /**
   * A new kafkajs `Admin` (call `connect()` on it), disconnected by disposal unless it was disconnected before.
   * @throws {DisposedError} once disposal began.
   */
  admin(): Admin {
    this.#assertOpen();
    const admin = this.client.admin();
    this.#used = true;
    this.#admins.add(admin);
    admin.on(admin.events.DISCONNECT, () => this.#admins.delete(admin));
    return admin;
  }

  protected isIdle(): boolean {
    return !this.#used;
  }

  /** Connects the shared producer now instead of on its first send. A stopped attempt ends kafkajs' retry loop. */
  protected async openClient(client: Kafka, signal: AbortSignal): Promise<void> {
    this.producer();
    const onAbort = () => {
      this.#connectStopped = true;
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#producer!.connect();
      // kafkajs can resolve a connect whose ApiVersions exchange stalled (a link that went silent): one real round
      // trip proves the cluster answers, and an unusable connection is dropped rather than handed to the first send.
      try {
        await this.pingClient(client);
      } catch (error) {
        await this.#producer!.reset();
        throw new ProviderError(this.name, `connected, but the cluster did not answer: ${errorMessage(error)}`, { cause: error });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** `describeCluster` on a private admin (no retries: a probe reports, the caller decides). */
  protected async pingClient(client: Kafka): Promise<void> {
    this.#health ??= { admin: client.admin({ retry: { retries: 0 } }) };
    const health = this.#health;
    health.connected ??= health.admin.connect().catch((error: unknown) => {
      health.connected = undefined;
      throw error;
    });
    try {
      await health.connected;
      const { brokers } = await health.admin.describeCluster();
      if (brokers.length === 0) throw new Error('the cluster reported no brokers');
    } catch (error) {
      // kafkajs keeps a broker whose ApiVersions request timed out marked connected, so every later probe on this
      // admin would fail at once even after the link heals: drop it, and the next probe connects afresh.
      if (this.#health === health) {
        this.#health = undefined;
        this.#retiring.add(health.admin.disconnect().catch(() => undefined));
      }
      throw error;
    }
  }

  /** Marks the provider closing before the base class starts its bounded close, so sends are refused at once. */
  override shutdown(budgetMs: number): Promise<ProviderDisposal> {
    this.#closing = true;
    return super.shutdown(budgetMs);
  }

  protected async closeClient(): Promise<string | undefined> {
    // Already done in the container's consumers phase; when the provider is disposed alone it happens here.
    const consumers = await this.#consumers.shutdown(this.lifecycle.shutdownTimeoutMs);
    if (consumers.status !== 'closed' && consumers.status !== 'not_initialized') {
      this.log.warn({ status: consumers.status, error: consumers.error }, 'consumers did not stop cleanly');
    }
    const pending = this.#producer?.inFlight ?? 0;
    if (pending > 0) this.log.info({ pending }, 'waiting for sends in flight');
    const admins = [...this.#admins, ...(this.#health ? [this.#health.admin] : [])];
    const [detail] = await Promise.all([this.#producer?.close(), ...admins.map((admin) => admin.disconnect()), ...this.#retiring]);
    this.#sockets.close();
    return detail;
  }

  protected destroyClient(): void {
    const aborted = this.#producer?.abort() ?? 0;
    const destroyed = this.#sockets.destroy();
    this.log.warn({ aborted, destroyed }, 'hard close: sends in flight rejected, connections destroyed');
  }
}

import { EventEmitter } from 'node:events';
import type { Admin, Consumer, EachMessagePayload, Kafka, Message, Producer, RecordMetadata } from 'kafkajs';

interface Stored {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer>;
  readonly timestamp: string;
  readonly offset: string;
}

function toBuffer(value: Message['value'] | Message['key']): Buffer | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value));
}

function toHeaders(headers: Message['headers']): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = Buffer.isBuffer(first) ? first : Buffer.from(String(first));
  }
  return out;
}

/** A single-partition, in-memory Kafka: topics are append-only logs; consumer groups share committed offsets. */
export class MemoryBroker {
  readonly #topics = new Map<string, Stored[]>();
  readonly #offsets = new Map<string, number>();
  readonly #appended = new EventEmitter().setMaxListeners(0);

  /** Every message of a topic, oldest first. */
  messages(topic: string): readonly Stored[] {
    return this.#topics.get(topic) ?? [];
  }

  topicNames(): string[] {
    return [...this.#topics.keys()];
  }

  createTopic(topic: string): boolean {
    if (this.#topics.has(topic)) return false;
    this.#topics.set(topic, []);
    return true;
  }

  deleteTopic(topic: string): void {
    this.#topics.delete(topic);
  }

  append(topic: string, messages: readonly Message[]): RecordMetadata {
    this.createTopic(topic);
    const log = this.#topics.get(topic)!;
    const baseOffset = log.length;
    for (const message of messages) {
      log.push({
        key: toBuffer(message.key),
        value: toBuffer(message.value),
        headers: toHeaders(message.headers),
        timestamp: String(message.timestamp ?? Date.now()),
        offset: String(log.length),
      });
    }
    this.#appended.emit('append', topic);
    return { topicName: topic, partition: 0, errorCode: 0, baseOffset: String(baseOffset), logAppendTime: '-1', logStartOffset: '0' };
  }

  /** Claims the next offset of `group` on `topic` (so members of a group share the work), or undefined when caught up. */
  claim(group: string, topic: string, start: number): number | undefined {
    const key = `${group}\u0000${topic}`;
    const next = this.#offsets.get(key) ?? start;
    if (next >= this.messages(topic).length) return undefined;
    this.#offsets.set(key, next + 1);
    return next;
  }

  /** Resolves at the next append to any topic, or when `signal` aborts. */
  nextAppend(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#appended.off('append', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#appended.on('append', done);
      signal.addEventListener('abort', done);
    });
  }
}

const PRODUCER_EVENTS = { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect', REQUEST_TIMEOUT: 'producer.network.request_timeout' };
const CONSUMER_EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash', STOP: 'consumer.stop', DISCONNECT: 'consumer.disconnect' };
const ADMIN_EVENTS = { CONNECT: 'admin.connect', DISCONNECT: 'admin.disconnect' };

function emitter(events: Record<string, string>) {
  const ee = new EventEmitter();
  return {
    events,
    on: (event: string, listener: (...args: unknown[]) => void) => {
      ee.on(event, listener);
      return () => ee.off(event, listener);
    },
    emit: (event: string, payload: unknown = {}) => ee.emit(event, { type: event, timestamp: Date.now(), payload }),
  };
}

/** A producer writing to `broker`. `send` works without `connect()`, like the provider's shared producer. */
export function memoryProducer(broker: MemoryBroker): Producer {
  const { events, on, emit } = emitter(PRODUCER_EVENTS);
  let connected = false;
  const producer = {
    events,
    on,
    async connect() {
      connected = true;
      emit(PRODUCER_EVENTS.CONNECT);
    },
    async disconnect() {
      if (connected) emit(PRODUCER_EVENTS.DISCONNECT);
      connected = false;
    },
    isIdempotent: () => false,
    async send({ topic, messages }: { topic: string; messages: Message[] }) {
      return [broker.append(topic, messages)];
    },
    async sendBatch({ topicMessages = [] }: { topicMessages?: Array<{ topic: string; messages: Message[] }> }) {
      return topicMessages.map(({ topic, messages }) => broker.append(topic, messages));
    },
  };
  return producer as unknown as Producer;
}

/** A consumer of `groupId` reading from `broker`, one message at a time, in order. */
export function memoryConsumer(broker: MemoryBroker, groupId: string): Consumer {
  const { events, on, emit } = emitter(CONSUMER_EVENTS);
  const subscriptions: Array<{ topic: string | RegExp; start: number | 'end' }> = [];
  let running: { abort: AbortController; loop: Promise<void> } | undefined;

  async function deliver(eachMessage: (payload: EachMessagePayload) => Promise<void>, signal: AbortSignal): Promise<void> {
    const starts = new Map<string, number>();
    for (const sub of subscriptions) {
      const topics = typeof sub.topic === 'string' ? [sub.topic] : broker.topicNames().filter((t) => (sub.topic as RegExp).test(t));
      for (const topic of topics) starts.set(topic, sub.start === 'end' ? broker.messages(topic).length : sub.start);
    }
    while (!signal.aborted) {
      let delivered = false;
      for (const [topic, start] of starts) {
        const offset = broker.claim(groupId, topic, start);
        if (offset === undefined || signal.aborted) continue;
        delivered = true;
        const message = broker.messages(topic)[offset]!;
        await eachMessage({
          topic,
          partition: 0,
          message: { ...message, attributes: 0, size: message.value?.length ?? 0 },
          heartbeat: async () => undefined,
          pause: () => () => undefined,
        } as unknown as EachMessagePayload);
      }
      if (!delivered) await broker.nextAppend(signal);
    }
  }

  const stop = async () => {
    if (!running) return;
    const current = running;
    running = undefined;
    current.abort.abort();
    await current.loop;
    emit(CONSUMER_EVENTS.STOP);
  };
  const consumer = {
    events,
    on,
    async connect() {},
    async subscribe({ topic, topics, fromBeginning }: { topic?: string | RegExp; topics?: Array<string | RegExp>; fromBeginning?: boolean }) {
      for (const t of topics ?? (topic !== undefined ? [topic] : [])) {
        if (typeof t === 'string') broker.createTopic(t);
        subscriptions.push({ topic: t, start: fromBeginning ? 0 : 'end' });
      }
    },
    async run({ eachMessage, eachBatch }: { eachMessage?: (payload: EachMessagePayload) => Promise<void>; eachBatch?: unknown }) {
      if (!eachMessage || eachBatch) throw new Error('the in-memory Kafka consumer supports run({ eachMessage }) only');
      const abort = new AbortController();
      emit(CONSUMER_EVENTS.GROUP_JOIN, { groupId, memberId: `${groupId}-member`, isLeader: true });
      const loop = deliver(eachMessage, abort.signal).catch((error: unknown) => {
        emit(CONSUMER_EVENTS.CRASH, { error, restart: false });
      });
      running = { abort, loop };
    },
    stop,
    async disconnect() {
      await stop();
      emit(CONSUMER_EVENTS.DISCONNECT);
    },
    pause() {},
    resume() {},
    commitOffsets: async () => undefined,
  };
  return consumer as unknown as Consumer;
}

/** An admin over `broker`: topics and a one-broker cluster description. */
export function memoryAdmin(broker: MemoryBroker): Admin {
  const { events, on } = emitter(ADMIN_EVENTS);
  const admin = {
    events,
    on,
    async connect() {},
    async disconnect() {},
    async listTopics() {
      return broker.topicNames();
    },
    async createTopics({ topics }: { topics: Array<{ topic: string }> }) {
      return topics.map(({ topic }) => broker.createTopic(topic)).some(Boolean);
    },
    async deleteTopics({ topics }: { topics: string[] }) {
      topics.forEach((topic) => broker.deleteTopic(topic));
    },
    async describeCluster() {
      return { brokers: [{ nodeId: 0, host: 'memory', port: 0 }], controller: 0, clusterId: 'memory' };
    },
  };
  return admin as unknown as Admin;
}

/** A stand-in for the kafkajs `Kafka` client over one broker. */
export function memoryKafka(broker: MemoryBroker): Kafka {
  return {
    producer: () => memoryProducer(broker),
    consumer: ({ groupId }: { groupId: string }) => memoryConsumer(broker, groupId),
    admin: () => memoryAdmin(broker),
    logger: () => ({ info() {}, warn() {}, error() {}, debug() {}, namespace() { return this; }, setLogLevel() {} }),
  } as unknown as Kafka;
}

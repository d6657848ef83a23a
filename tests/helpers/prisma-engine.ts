import type { PrismaClient } from '../../generated/prisma/index.js';
import { loadGeneratedClient } from '../../src/prisma/generated-client.js';

export { loadGeneratedClient };

/** One query as the generated client hands it to its engine (Prisma's JSON protocol), after every extension ran. */
export interface EngineQuery {
  readonly modelName?: string;
  /** Protocol action, e.g. `findMany`, `updateOne`, `deleteMany`, `runCommandRaw`. */
  readonly action: string;
  readonly args: Record<string, unknown>;
  /** What the query reads back: scalars (`$scalars`) and relations, each with its own arguments and selection. */
  readonly selection: Record<string, unknown>;
  /** Interactive transaction id, or `batch` for `$transaction([...])`. */
  readonly transaction?: string;
}

/** What the fake engine answers for one query: a result, or an Error to fail it. */
export type EngineAnswer = (query: EngineQuery) => unknown;

interface ProtocolQuery {
  modelName?: string;
  action: string;
  query: { arguments?: Record<string, unknown>; selection?: Record<string, unknown> };
}

interface EngineInternals {
  start(): Promise<void>;
  stop(): Promise<void>;
  request(query: ProtocolQuery, options: { interactiveTransaction?: { id: string } }): Promise<unknown>;
  requestBatch(queries: ProtocolQuery[], options: unknown): Promise<unknown[]>;
  transaction(action: string, headers: unknown, arg: unknown): Promise<unknown>;
}

/** Controls of a fake engine installed by {@link fakeEngine}. */
export interface FakeEngine {
  /** Every query the client sent, in order. */
  readonly queries: EngineQuery[];
  /** Calls of `$connect` (engine start) and `$disconnect` (engine stop). */
  readonly calls: { start: number; stop: number };
  /** Replaces what queries answer. */
  answer: EngineAnswer;
  /** Replaces what engine start does (`$connect`). */
  start: () => Promise<void>;
  /** Replaces what engine stop does (`$disconnect`). */
  stop: () => Promise<void>;
}

/** A plausible default: lists for `findMany`/`groupBy`, counts for `*Many` writes, `{ ok: 1 }` for raw commands. */
export function defaultAnswer(query: EngineQuery): unknown {
  if (query.action === 'findMany' || query.action === 'groupBy') return [];
  if (query.action === 'updateMany' || query.action === 'deleteMany') return { count: 1 };
  if (query.action === 'runCommandRaw') return { ok: 1 };
  if (query.action === 'aggregate') return { _count: { _all: 0 } };
  return { id: '000000000000000000000001' };
}

function settle(query: EngineQuery, answer: EngineAnswer): { data: Record<string, unknown> } {
  const result = answer(query);
  if (result instanceof Error) throw result;
  return { data: { [query.action]: result } };
}

/**
 * Replaces the query engine of a generated (engine-less) client with an in-memory fake that records each query
 * in Prisma's JSON protocol and answers it. Everything above the engine is the real client: extensions,
 * argument validation, serialization, transactions. The seam is the client's `_engine` object (Prisma 6.19).
 */
export function fakeEngine(client: PrismaClient, answer: EngineAnswer = defaultAnswer): FakeEngine {
  const engine = (client as unknown as { _engine: EngineInternals })._engine;
  const fake: FakeEngine = {
    queries: [],
    calls: { start: 0, stop: 0 },
    answer,
    start: async () => undefined,
    stop: async () => undefined,
  };
  const record = (query: ProtocolQuery, transaction?: string): EngineQuery => {
    const recorded: EngineQuery = {
      ...(query.modelName ? { modelName: query.modelName } : {}),
      action: query.action,
      args: query.query.arguments ?? {},
      selection: query.query.selection ?? {},
      ...(transaction ? { transaction } : {}),
    };
    fake.queries.push(recorded);
    return recorded;
  };
  engine.start = () => {
    fake.calls.start += 1;
    return fake.start();
  };
  engine.stop = () => {
    fake.calls.stop += 1;
    return fake.stop();
  };
  engine.request = async (query, options) => settle(record(query, options.interactiveTransaction?.id), fake.answer);
  engine.requestBatch = async (queries) =>
    queries.map((query) => {
      try {
        return settle(record(query, 'batch'), fake.answer);
      } catch (error) {
        return error;
      }
    });
  engine.transaction = async (action) => (action === 'start' ? { id: 'itx-1' } : undefined);
  return fake;
}

/** A base client (never connected) on a dummy URL, with its own failed engine load marked handled. */
export function newBaseClient(): PrismaClient {
  const { PrismaClient: Client } = loadGeneratedClient();
  const client = new Client({ datasourceUrl: 'mongodb://127.0.0.1:9/fake', errorFormat: 'minimal' });
  const engine = (client as unknown as { _engine: Record<string, unknown> })._engine;
  for (const value of Object.values(engine)) if (value instanceof Promise) value.catch(() => undefined);
  return client;
}

// MongoDB findOne-by-_id throughput through provider.client against a raw MongoClient (same FerretDB, same run).
import 'reflect-metadata';
import { MongoClient, ObjectId, type Collection } from 'mongodb';
import { startFerretDb } from '../scripts/servers/ferretdb.js';
import { createDbContainer, loadConfig, MongoProvider } from '../src/index.js';
import { createLogger } from '../src/providers/logger.js';
import { mongoClientOptions } from '../src/providers/mongo.js';
import { alternatingRounds, median, report, round } from './util.js';

const DOCS = 1000;
/** Each round runs for this long; throughput = operations finished / time. */
const ROUND_MS = Number(process.env.BENCH_MONGO_ROUND_MS ?? 1000);
const CONCURRENCY = 8;
const ROUNDS = 21;
type Doc = { _id: ObjectId; name: string; rating: number };
// ObjectId keys, as the apps use: FerretDB's SQLite backend looks those up by key (numeric _id values are scanned).
const ids = Array.from({ length: DOCS }, () => new ObjectId());

const server = await startFerretDb();
const url = `${server.url}bench`;

async function throughput(collection: Collection<Doc>): Promise<number> {
  let done = 0;
  const started = process.hrtime.bigint();
  const stopAt = Date.now() + ROUND_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < stopAt) {
        const id = ids[done % DOCS]!;
        if (!(await collection.findOne({ _id: id }))?._id.equals(id)) throw new Error(`document ${id.toHexString()} not found`);
        done += 1;
      }
    }),
  );
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

try {
  const config = loadConfig({ MONGODB_URL: url, LOG_LEVEL: 'silent' });
  const container = createDbContainer({ config, logger: createLogger({ level: 'silent' }) });
  const provider = container.resolve(MongoProvider);
  await provider.connect();
  // The raw client gets the very options the provider passes, so the ratio isolates what the provider adds.
  const raw = new MongoClient(url, mongoClientOptions(config.mongo!));
  await raw.connect();
  const seed = raw.db().collection<Doc>('creators');
  await seed.insertMany(ids.map((_id, i) => ({ _id, name: `creator ${i}`, rating: i % 5 })));

  const samples = await alternatingRounds(ROUNDS, ['raw', 'provider'], (side) =>
    throughput((side === 'raw' ? raw : provider.client).db().collection<Doc>('creators')));
  // The first round warms both pools up and is left out. Pairs come from the same moment, so their ratio is the
  // least disturbed by other load on the machine.
  const p = samples.provider.slice(1);
  const r = samples.raw.slice(1);
  report('mongo:findone-by-id', {
    providerOpsPerSec: Math.round(median(p)), rawOpsPerSec: Math.round(median(r)), ratio: round(median(p) / median(r), 3),
    pairedRatioMedian: round(median(p.map((value, i) => value / r[i]!)), 3),
    roundMs: ROUND_MS, concurrency: CONCURRENCY, rounds: ROUNDS - 1, server: 'FerretDB v1.24.2 (SQLite)',
  });
  await raw.close();
  await container.dispose();
} finally {
  await server.stop();
}

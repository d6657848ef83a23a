// `npm run demo`: the reviews service end to end on local servers, with the health table and the disposal report.
import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import {
  AlgoliaProvider,
  checkHealth,
  createDbContainer,
  createLogger,
  disposeWithReport,
  ElasticsearchProvider,
  KafkaProvider,
  loadConfig,
  MongoProvider,
  RedisProvider,
} from '../../src/index.js';
import { createTestContainer, type RealProviderClass } from '../../src/testing/index.js';
import { DEMO_SERVERS, LocalServers, type DemoServer } from './local-servers.js';
import { disposalLines, healthLines, searchLines } from './output.js';
import { RatingCache } from './rating-cache.js';
import { REVIEW_CREATED_TOPIC, type ReviewInput } from './review.js';
import { REVIEW_CREATED_GROUP, ReviewCreatedConsumer } from './review-created-consumer.js';
import { ELASTIC_REVIEW_INDEX, ElasticReviewIndex } from './review-elastic-index.js';
import { ReviewEvents } from './review-events.js';
import { ReviewIndexer } from './review-indexer.js';
import { REVIEW_SEARCH_INDEXES } from './review-search-result.js';
import { ReviewService } from './review-service.js';
import { ReviewStore } from './review-store.js';

const ACCOUNTS = { science: '65a1f0c2a1b2c3d4e5f60001', speedrun: '65a1f0c2a1b2c3d4e5f60002' } as const;
const SAMPLE_REVIEWS: readonly ReviewInput[] = [
  { accountId: ACCOUNTS.science, authorId: '65a1f0c2a1b2c3d4e5f6a001', platform: 'YOUTUBE', stars: 5, title: 'Clear science explainers', content: 'Every video makes a hard topic feel simple.' },
  { accountId: ACCOUNTS.science, authorId: '65a1f0c2a1b2c3d4e5f6a002', platform: 'YOUTUBE', stars: 4, title: 'Great editing, long intros', content: 'Superb editing; the intros could be shorter.' },
  { accountId: ACCOUNTS.speedrun, authorId: '65a1f0c2a1b2c3d4e5f6a001', platform: 'TWITCH', stars: 3, title: 'Fun streams, chaotic chat' },
  { accountId: ACCOUNTS.speedrun, authorId: '65a1f0c2a1b2c3d4e5f6a003', platform: 'TWITCH', stars: 5, title: 'Best speedrun commentary', content: 'Explains every trick while doing it.' },
];
/** A word that occurs in exactly one sample review (the second). */
const SEARCH_WORD = 'editing';
const EVENT_TIMEOUT_MS = 30_000;
/** After the demo has finished, how long an open handle may keep the process alive before it is reported. */
const EXIT_WATCHDOG_MS = 10_000;

const PROVIDER_OF: Record<DemoServer, RealProviderClass> = {
  redis: RedisProvider,
  kafka: KafkaProvider,
  mongodb: MongoProvider,
  algolia: AlgoliaProvider,
  elasticsearch: ElasticsearchProvider,
};
/** Provider names in health rows -> the demo server behind them. */
const SERVER_OF: Record<string, DemoServer> = { redis: 'redis', kafka: 'kafka', mongodb: 'mongodb', algolia: 'algolia', elasticsearch: 'elasticsearch' };

const servers = new LocalServers();
let container: DependencyContainer | undefined;
/** Aborted by SIGINT or SIGTERM: the flow stops at its next step and the usual cleanup runs. */
const interruption = new AbortController();
const { signal } = interruption;
const out = (line = '') => void process.stdout.write(`${servers.redact(line)}\n`);

/** True for the in-memory fake's refusal of a request it does not answer (a 501 `fake_not_implemented`). */
function refusedByFake(error: unknown): boolean {
  return (error as { meta?: { body?: { error?: { type?: unknown } } } } | null)?.meta?.body?.error?.type === 'fake_not_implemented';
}

/**
 * Creates the Elasticsearch review index (unless it exists) and registers it, so that every review is indexed in
 * Elasticsearch as well as in Algolia. On the in-memory fake too; should the fake refuse the index, reviews go to
 * Algolia alone and the returned text says why (undefined when Elasticsearch is used).
 */
async function setUpElasticsearch(c: DependencyContainer, where: string): Promise<string | undefined> {
  const index = c.resolve(ElasticReviewIndex);
  let state: 'created' | 'exists';
  try {
    state = await index.ensureIndex();
  } catch (error) {
    if (!refusedByFake(error)) throw error;
    out('elasticsearch: reviews are indexed in Algolia only: the in-memory fake refused the review index');
    return 'not indexed: the in-memory fake refused the review index';
  }
  c.register(REVIEW_SEARCH_INDEXES, { useValue: index });
  out(`elasticsearch: index ${ELASTIC_REVIEW_INDEX} ${state === 'created' ? 'created' : 'already there'} (${where})`);
  return undefined;
}

/** Runs the flow on `container` and returns the problems found (none when everything worked). */
async function runFlow(c: DependencyContainer, backendOf: (provider: string) => string): Promise<string[]> {
  const problems: string[] = [];
  const consumer = c.resolve(ReviewCreatedConsumer);
  await c.resolve(ReviewEvents).ensureTopic();
  const elasticSkipped = await setUpElasticsearch(c, backendOf('elasticsearch'));
  await consumer.start();
  signal.throwIfAborted();

  const indexer = c.resolve(ReviewIndexer);
  const indexedIn = indexer.backends.map((backend) => (backend === 'algolia' ? 'Algolia' : 'Elasticsearch')).join(' and ');
  out(`reviews (each stored in MongoDB, rated in Redis, published to ${REVIEW_CREATED_TOPIC}, indexed in ${indexedIn}):`);
  const service = c.resolve(ReviewService);
  const ids: string[] = [];
  for (const input of SAMPLE_REVIEWS) {
    signal.throwIfAborted();
    const { review, rating } = await service.createReview(input);
    ids.push(review.id);
    out(`  review ${review.id}: ${review.stars} stars for ${review.platform} account ${review.accountId}; ` +
      `its average is now ${rating.average.toFixed(2)} over ${rating.count}`);
  }

  await consumer.waitFor(ids, EVENT_TIMEOUT_MS, signal);
  out(`consumer: received ${ids.filter((id) => consumer.received.has(id)).length} of ${ids.length} ${REVIEW_CREATED_TOPIC} events (group ${REVIEW_CREATED_GROUP})`);

  const store = c.resolve(ReviewStore);
  const stored = (await Promise.all(ids.map((id) => store.findById(id)))).filter((doc) => doc !== null).length;
  out(`mongodb: ${stored} of ${ids.length} reviews read back from the Review collection`);
  if (stored !== ids.length) problems.push(`only ${stored} of ${ids.length} reviews were stored`);

  const cache = c.resolve(RatingCache);
  for (const accountId of Object.values(ACCOUNTS)) {
    const stars = SAMPLE_REVIEWS.filter((r) => r.accountId === accountId).map((r) => r.stars);
    const expected = stars.reduce((a, b) => a + b, 0) / stars.length;
    const cached = await cache.get(accountId);
    out(`redis: ${RatingCache.key(accountId)} = ${cached.average.toFixed(2)} over ${cached.count} (expected ${expected.toFixed(2)} over ${stars.length})`);
    if (cached.average !== expected || cached.count !== stars.length) problems.push(`wrong cached rating for account ${accountId}`);
  }

  signal.throwIfAborted();
  const results = await indexer.searchAll(SEARCH_WORD);
  for (const result of results) {
    out(`${result.backend}: search "${SEARCH_WORD}" found ${result.total} review(s): ${result.ids.join(', ') || 'none'}`);
    if (result.total !== 1 || result.ids[0] !== ids[1]) problems.push(`${result.backend}: search "${SEARCH_WORD}" should find exactly review ${ids[1]}`);
  }
  searchLines(SEARCH_WORD, results, backendOf, elasticSkipped === undefined ? {} : { elasticsearch: elasticSkipped }).forEach((line) => out(line));

  const health = await checkHealth(c);
  healthLines(health, backendOf).forEach((line) => out(line));
  if (health.status !== 'up') problems.push(`health is ${health.status}`);
  return problems;
}

async function main(): Promise<boolean> {
  out('Rate Creator reviews demo');
  out('servers:');
  const outcomes = await servers.start(DEMO_SERVERS);
  for (const outcome of outcomes) {
    out(outcome.started
      ? `  ${outcome.server}: ${outcome.description}`
      : `  ${outcome.server}: not started, its part runs on the in-memory fake: ${outcome.reason}`);
  }
  signal.throwIfAborted();
  const real = new Set(outcomes.filter((o) => o.started).map((o) => o.server));
  const fakes = DEMO_SERVERS.filter((server) => !real.has(server));
  const env = { ...servers.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  // Package logs go to stderr, so that stdout is the demo's own report.
  const logger = createLogger({ level: loadConfig(env).logLevel, destination: process.stderr });
  container = fakes.length === 0
    ? createDbContainer({ env, logger })
    : createTestContainer({ allowReal: [...real].map((server) => PROVIDER_OF[server]), env, logger });
  if (fakes.length > 0) out(`in-memory fakes (createTestContainer): ${fakes.join(', ')}`);

  const backendOf = (provider: string) => {
    const server = SERVER_OF[provider];
    return server === undefined ? 'not used by the demo' : real.has(server) ? 'local server' : 'in-memory fake';
  };
  let problems: string[] = [];
  try {
    problems = await runFlow(container, backendOf);
  } finally {
    const report = await disposeWithReport(container);
    disposalLines(report).forEach((line) => out(line));
    if (!report.ok) problems.push('disposal did not close every client cleanly');
  }
  problems.push(...(await stopServers()));
  for (const problem of problems) out(`problem: ${problem}`);
  return problems.length === 0;
}

/** Stops the servers, prints what was stopped, and returns the problems. */
async function stopServers(): Promise<string[]> {
  const stopped = await servers.stop();
  if (stopped.length > 0) out(`stopped: ${stopped.map((s) => `${s.server}${s.pid !== undefined ? ` (pid ${s.pid})` : ''}`).join(', ')}`);
  return stopped.filter((s) => s.error !== undefined).map((s) => `${s.server} did not stop cleanly: ${s.error}`);
}

const onSignal = (name: NodeJS.Signals) => {
  if (signal.aborted) {
    servers.killNow();
    process.exit(1);
  }
  out(`${name}: stopping after the current step, then disposing and stopping the servers (again to quit at once)`);
  interruption.abort(new Error(`interrupted by ${name}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

let ok = false;
try {
  ok = await main();
} catch (error) {
  out(signal.aborted ? String((signal.reason as Error).message) : `error: ${error instanceof Error ? error.message : String(error)}`);
  if (container) await disposeWithReport(container);
  await stopServers();
}
out(signal.aborted ? 'demo interrupted' : ok ? 'demo OK' : 'demo FAILED');
process.exitCode = ok && !signal.aborted ? 0 : 1;
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
// Everything is closed, so the process exits by itself; if a handle was left open, say so instead of hanging.
setTimeout(() => {
  out(`something still kept the process alive ${EXIT_WATCHDOG_MS} ms after the demo ended`);
  process.exit(1);
}, EXIT_WATCHDOG_MS).unref();

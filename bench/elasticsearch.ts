// Elasticsearch (`@ratecreator/db/elasticsearch-client`) against one real node (scripts/servers/elasticsearch.ts), same
// node, same run:
// - indexing: `bulkIndexAccounts` of 1,000 generated accounts into a freshly created accounts index (`createIndices`),
//   against the raw client's `bulk` of the same operations (both `refresh: true`), alternating; docs/s;
// - search: `searchAccounts` through the default container against a separate raw `new Client({ node })` sending the
//   body `accountSearchBody` builds (built per call on both sides, as hand-written code builds its own), three query
//   mixes, rounds interleaved in alternating order; ops/s, p50/p99, provider/raw; then both sides call by call in the
//   same moments (each caller alternating them), whose mean latencies give the ratio least moved by the shared node;
// - the same search comparison against a replay of the node's answers (bench/es-replay-child.ts, a child process that
//   forwards each distinct request to the node once and answers it itself afterwards): what the client side costs,
//   the provider against the raw client, without the node's varying latency;
// - migration: `searchAccounts` against the same search on the local Algolia server (src/testing/algolia-server.ts, in
//   a child process so that its in-memory index does not share this event loop) holding the same 1,000 accounts as
//   records, searched through the default container's `getSearchClient()`. The local server is an in-memory fake (no
//   relevance ranking; facet counts and sorting only when settings ask, and these searches set neither): its figures
//   say what the migration costs on loopback, not what Algolia costs.
// JSON lines on stdout (bench/run.ts) and a Markdown table on stderr. BENCH_ES_ROUND_MS, BENCH_ES_ROUNDS,
// BENCH_ES_CONCURRENCY tune it.
import 'reflect-metadata';
import { Client } from '@elastic/elasticsearch';
import { startElasticsearch, type ElasticsearchServer } from '../scripts/servers/elasticsearch.js';
import { getSearchClient, getWriteClient } from '../src/compat/algolia-client.js';
import { bulkIndexAccounts, createIndices, searchAccounts } from '../src/compat/elasticsearch-client.js';
import { accountSearchBody, type AccountDocument, type SearchAccountsParams } from '../src/compat/elasticsearch-queries.js';
import { createDbContainer, createLogger, setDefaultContainer } from '../src/index.js';
import { startAlgoliaChild } from './algolia-child.js';
import { startEsReplayChild, type EsReplayChild } from './es-replay-child.js';
import { alternatingRounds, median, report, round } from './util.js';

const DOCS = 1000;
/** Indexing rounds per side after {@link INDEX_WARMUP} warm-up rounds. */
const INDEX_ROUNDS = 11;
const INDEX_WARMUP = 2;
/** Each search round runs for this long; ops/s = searches finished / time. */
const ROUND_MS = Number(process.env.BENCH_ES_ROUND_MS ?? 750);
/** Search rounds per side and mix, after one warm-up round per side and mix. */
const ROUNDS = Number(process.env.BENCH_ES_ROUNDS ?? 10);
/** Searches in flight per side (a small web tier's worth; the node's search pool on 2 cores has 4 threads). */
const CONCURRENCY = Number(process.env.BENCH_ES_CONCURRENCY ?? 4);
const ALGOLIA_INDEX = 'accounts';

// ---- data ------------------------------------------------------------------------------------------------------

/** mulberry32: the same accounts on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PLATFORMS = ['YOUTUBE', 'YOUTUBE', 'YOUTUBE', 'TWITTER', 'INSTAGRAM', 'TIKTOK', 'TWITCH', 'REDDIT'];
const COUNTRIES = ['US', 'US', 'US', 'GB', 'IN', 'IN', 'DE', 'BR', 'JP', 'FR', 'CA', 'MX', 'KR', 'ES'];
const LANGUAGES: Record<string, string> = { US: 'en', GB: 'en', IN: 'hi', DE: 'de', BR: 'pt', JP: 'ja', FR: 'fr', CA: 'en', MX: 'es', KR: 'ko', ES: 'es' };
const CATEGORIES = [
  'technology', 'gaming', 'music', 'education', 'cooking', 'travel', 'fitness', 'comedy', 'science', 'finance',
  'beauty', 'fashion', 'sports', 'news', 'diy', 'automotive', 'pets', 'movies', 'art', 'parenting',
];
const FIRST = ['Tech', 'Daily', 'Pixel', 'Retro', 'Urban', 'Chef', 'Code', 'Game', 'Travel', 'Fit', 'Money', 'Science', 'Art', 'Music', 'Happy', 'Wild'];
const SECOND = ['Reviews', 'Kitchen', 'Lab', 'Talk', 'Studio', 'Journey', 'Hub', 'Academy', 'Corner', 'Planet', 'Show', 'Zone', 'Life', 'Nation'];
const THIRD = ['', '', 'Daily', 'Live', 'TV', 'Official', 'Weekly', 'Plus', 'HQ'];
const TOPICS = [
  'honest reviews of the latest gadgets', 'easy recipes for busy weeknights', 'speedruns and walkthroughs',
  'budget travel tips and city guides', 'home workouts without equipment', 'personal finance explained simply',
  'science experiments you can try at home', 'acoustic covers and original songs', 'drawing tutorials for beginners',
  'car restoration projects', 'stand-up sketches and pranks', 'coding tutorials and career advice',
];

/** 1,000 accounts with every field the index maps for search, deterministic. */
function generateAccounts(count: number): AccountDocument[] {
  const rand = prng(12);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const name = [pick(FIRST), pick(SECOND), pick(THIRD)].filter(Boolean).join(' ');
    const country = pick(COUNTRIES);
    const categories = [...new Set([pick(CATEGORIES), pick(CATEGORIES), ...(rand() < 0.3 ? [pick(CATEGORIES)] : [])])];
    const topic = pick(TOPICS);
    const id = (0x65a1f0c2a1b2c3d4e5f60000n + BigInt(i)).toString(16);
    return {
      objectID: id,
      accountId: id,
      platform: pick(PLATFORMS),
      name,
      handle: `@${name.toLowerCase().replace(/\s+/g, '')}${i}`,
      description: `${name}: ${topic}. New videos every week about ${categories.join(', ')}.`,
      keywords: [...categories, ...topic.split(' ').filter((word) => word.length > 4)].join(' '),
      country,
      language_code: LANGUAGES[country]!,
      categories,
      // Log-uniform from 100 to 50 M followers, as real audiences spread.
      followerCount: Math.round(10 ** (2 + rand() * 5.7)),
      rating: round(1 + rand() * 4, 1),
      reviewCount: Math.floor(rand() ** 2 * 5000),
      videoCount: Math.floor(rand() * 3000),
      madeForKids: rand() < 0.05,
      claimed: rand() < 0.3,
      createdDate: new Date(Date.UTC(2015, 0, 1) + Math.floor(rand() * 3000) * 86_400_000).toISOString(),
    };
  });
}

// ---- query mixes -----------------------------------------------------------------------------------------------

/** Facets the Algolia side asks for: the same ones `searchAccounts` aggregates. */
const FACETS = ['platform', 'categories', 'country', 'language_code', 'madeForKids'];

/** One search both ways: `searchAccounts` parameters and the closest Algolia search parameters. */
interface Variant {
  readonly es: SearchAccountsParams;
  readonly algolia: { query: string; filters?: string; hitsPerPage: number; page: number };
}

/** Three mixes, each a rotation of a few searches that both sides of a comparison run in the same order. */
const MIXES: Record<string, Variant[]> = {
  // Text with filters: relevance first, then followers.
  'text+filters': [
    { es: { query: 'tech reviews', filters: { platform: ['youtube'], rating: { min: 3 } } },
      algolia: { query: 'tech reviews', filters: 'platform:YOUTUBE AND rating >= 3', hitsPerPage: 20, page: 0 } },
    { es: { query: 'cooking', filters: { country: ['US', 'GB', 'CA'] } },
      algolia: { query: 'cooking', filters: '(country:US OR country:GB OR country:CA)', hitsPerPage: 20, page: 0 } },
    { es: { query: 'game studio', filters: { platform: ['youtube', 'twitch'], claimed: true } },
      algolia: { query: 'game studio', filters: '(platform:YOUTUBE OR platform:TWITCH) AND claimed:true', hitsPerPage: 20, page: 0 } },
    { es: { query: 'travel', filters: { language: ['en'], categories: ['travel'] } },
      algolia: { query: 'travel', filters: 'language_code:en AND categories:travel', hitsPerPage: 20, page: 0 } },
  ],
  // No text: every account, sorted (the browse page). Algolia sorts by replica indices; the local server does not sort.
  'no query, sorted': [
    { es: { sortBy: 'followerCount' }, algolia: { query: '', hitsPerPage: 20, page: 0 } },
    { es: { sortBy: 'rating', page: 2 }, algolia: { query: '', hitsPerPage: 20, page: 1 } },
    { es: { sortBy: 'reviewCount', sortOrder: 'desc', filters: { platform: ['youtube'] } },
      algolia: { query: '', filters: 'platform:YOUTUBE', hitsPerPage: 20, page: 0 } },
    { es: { sortBy: 'createdDate', sortOrder: 'asc', limit: 50 }, algolia: { query: '', hitsPerPage: 50, page: 0 } },
  ],
  // Range filters (follower buckets as the app sends them, rating, reviews).
  'range filter': [
    { es: { filters: { followers: '100K-1M' } },
      algolia: { query: '', filters: 'followerCount >= 100000 AND followerCount < 1000000', hitsPerPage: 20, page: 0 } },
    { es: { filters: { followers: '1M+', rating: { min: 4 } } },
      algolia: { query: '', filters: 'followerCount >= 1000000 AND rating >= 4', hitsPerPage: 20, page: 0 } },
    { es: { filters: { reviewCount: { min: 100, max: 1000 }, videoCount: '0-500' } },
      algolia: { query: '', filters: 'reviewCount >= 100 AND reviewCount < 1000 AND videoCount >= 0 AND videoCount < 500', hitsPerPage: 20, page: 0 } },
    { es: { filters: { rating: '2-4', followers: '10K-' } },
      algolia: { query: '', filters: 'rating >= 2 AND rating <= 4 AND followerCount >= 10000', hitsPerPage: 20, page: 0 } },
  ],
};

// ---- measurement -----------------------------------------------------------------------------------------------

interface Round {
  opsPerSec: number;
  latenciesMs: number[];
  /** This process's CPU time (user + system) per search: what the client side costs, apart from the server. */
  cpuUsPerOp: number;
}

/** {@link CONCURRENCY} callers for {@link ROUND_MS}; `call(i)` gets a running count, to rotate through variants. */
async function timedRound(call: (i: number) => Promise<unknown>): Promise<Round> {
  let next = 0;
  const latenciesMs: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const stopAt = started + ROUND_MS;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < stopAt) {
      const t0 = performance.now();
      await call(next++);
      latenciesMs.push(performance.now() - t0);
    }
  }));
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { opsPerSec: latenciesMs.length / (elapsedMs / 1000), latenciesMs, cpuUsPerOp: (used.user + used.system) / latenciesMs.length };
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Summary {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ops: number;
  cpuUsPerOp: number;
}

const summarize = (rounds: readonly Round[]): Summary => {
  const all = rounds.flatMap((r) => r.latenciesMs);
  return {
    opsPerSec: median(rounds.map((r) => r.opsPerSec)),
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    ops: all.length,
    cpuUsPerOp: median(rounds.map((r) => r.cpuUsPerOp)),
  };
};

/**
 * One warm-up round per side, then {@link ROUNDS} rounds per side, the pair's order alternating each round so that
 * drift on a shared machine does not favour one side. Returns both summaries and the median of the paired ratios.
 */
async function compare(a: (i: number) => Promise<unknown>, b: (i: number) => Promise<unknown>): Promise<{ a: Summary; b: Summary; paired: number }> {
  await timedRound(a);
  await timedRound(b);
  const rounds = await alternatingRounds(ROUNDS, ['a', 'b'], (side) => timedRound(side === 'a' ? a : b));
  const paired = median(rounds.a.map((r, i) => r.opsPerSec / rounds.b[i]!.opsPerSec));
  return { a: summarize(rounds.a), b: summarize(rounds.b), paired };
}

/** Latencies of both sides of {@link interleaved}. */
interface Interleaved {
  aMeanMs: number;
  bMeanMs: number;
  aP50Ms: number;
  bP50Ms: number;
  /** `bMeanMs / aMeanMs`: a's throughput relative to b's for callers that wait for each reply (1 = the same). */
  ratio: number;
  ops: number;
}

/**
 * Both sides in the same moments: {@link CONCURRENCY} callers for {@link ROUNDS} × {@link ROUND_MS}, each alternating
 * a call of `a` and one of `b` (half of them starting with `b`), so that every change of the server's or the
 * machine's speed reaches both sides alike. What is left between the two is what the client side adds.
 */
async function interleaved(a: (i: number) => Promise<unknown>, b: (i: number) => Promise<unknown>): Promise<Interleaved> {
  const latencies = { a: [] as number[], b: [] as number[] };
  // A counter per side, so that each side rotates through every variant (one shared counter would hand the
  // alternating sides alternating variants).
  const next = { a: 0, b: 0 };
  const stopAt = performance.now() + ROUNDS * ROUND_MS;
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, worker) => {
    for (let turn = worker % 2; performance.now() < stopAt; turn++) {
      const side = turn % 2 ? 'b' : 'a';
      const i = next[side]++;
      const t0 = performance.now();
      await (side === 'a' ? a(i) : b(i));
      latencies[side].push(performance.now() - t0);
    }
  }));
  const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const [aMeanMs, bMeanMs] = [mean(latencies.a), mean(latencies.b)];
  return {
    aMeanMs, bMeanMs, aP50Ms: percentile(latencies.a, 50), bP50Ms: percentile(latencies.b, 50),
    ratio: bMeanMs / aMeanMs, ops: latencies.a.length + latencies.b.length,
  };
}

// ---- the local Algolia server in a child process (as bench/soak.ts runs it) --------------------------------------


// ---- the bench -------------------------------------------------------------------------------------------------

const fmt = (value: number, digits = 0) => round(value, digits).toLocaleString('en-US', { maximumFractionDigits: digits });

async function bench(): Promise<void> {
  const startedAt = performance.now();
  let es: ElasticsearchServer | undefined;
  let algolia: Awaited<ReturnType<typeof startAlgoliaChild>> | undefined;
  let raw: Client | undefined;
  let replay: EsReplayChild | undefined;
  let rawReplay: Client | undefined;
  const container = { current: undefined as ReturnType<typeof createDbContainer> | undefined, replay: undefined as ReturnType<typeof createDbContainer> | undefined };
  try {
    const started = await Promise.allSettled([startElasticsearch(), startAlgoliaChild()]);
    if (started[0].status === 'fulfilled') es = started[0].value;
    if (started[1].status === 'fulfilled') algolia = started[1].value;
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    if (!es || !algolia) throw new Error('unreachable');
    const phases: string[] = [];
    let mark = startedAt;
    const phase = (name: string) => {
      const now = performance.now();
      phases.push(`${name} ${round((now - mark) / 1000, 0)} s`);
      mark = now;
    };
    phase('servers');
    const node = es.url;
    const c = createDbContainer({
      env: {
        ELASTIC_NODE: node,
        ALGOLIA_APP_ID: algolia.appId, ALGOLIA_WRITE_API_KEY: algolia.writeApiKey, ALGOLIA_SEARCH_API_KEY: algolia.searchApiKey,
        ALGOLIA_HOSTS: algolia.url,
      },
      logger: createLogger({ level: 'silent' }),
    });
    container.current = c;
    setDefaultContainer(c);
    raw = new Client({ node });
    const rawClient = raw;
    const accounts = generateAccounts(DOCS);
    const table: string[] = [];

    // -- 1. indexing ------------------------------------------------------------------------------------------
    const freshIndex = async () => {
      await rawClient.indices.delete({ index: 'accounts', ignore_unavailable: true });
      await createIndices();
    };
    const rawBulk = async () => {
      const operations = accounts.flatMap((account) => [{ index: { _index: 'accounts', _id: account.objectID } }, account]);
      const response = await rawClient.bulk({ operations, refresh: true });
      if (response.errors) throw new Error('raw bulk: some documents were refused');
    };
    const indexing = { provider: [] as number[], raw: [] as number[] };
    for (let i = 0; i < INDEX_WARMUP + INDEX_ROUNDS; i++) {
      // The provider first on even rounds, raw first on odd ones; the final round ends with the provider, so that the
      // index searched next is the one bulkIndexAccounts filled.
      const order = i % 2 ? (['raw', 'provider'] as const) : (['provider', 'raw'] as const);
      for (const side of i === INDEX_WARMUP + INDEX_ROUNDS - 1 ? (['raw', 'provider'] as const) : order) {
        await freshIndex();
        const t0 = performance.now();
        if (side === 'provider') {
          const { indexed } = await bulkIndexAccounts(accounts);
          if (indexed !== DOCS) throw new Error(`bulkIndexAccounts indexed ${indexed}`);
        } else {
          await rawBulk();
        }
        const docsPerSec = DOCS / ((performance.now() - t0) / 1000);
        if (i >= INDEX_WARMUP) indexing[side].push(docsPerSec);
      }
    }
    const count = (await rawClient.count({ index: 'accounts' })).count;
    if (count !== DOCS) throw new Error(`the accounts index holds ${count} documents, expected ${DOCS}`);
    const [ip, ir] = [median(indexing.provider), median(indexing.raw)];
    const indexPaired = median(indexing.provider.map((value, i) => value / indexing.raw[i]!));
    report('elasticsearch:bulk-index-1000', {
      providerDocsPerSec: Math.round(ip), rawDocsPerSec: Math.round(ir), ratio: round(ip / ir, 3), pairedRatioMedian: round(indexPaired, 3),
      providerMsPerBatch: round((DOCS / ip) * 1000, 1), rounds: INDEX_ROUNDS, server: `Elasticsearch ${es.version}, 1 node`,
    });
    table.push(
      '| bench | provider | raw client | ratio (paired) |',
      '|---|---|---|---|',
      `| bulkIndexAccounts, 1,000 accounts, fresh index, refresh (docs/s, median of ${INDEX_ROUNDS}) | ${fmt(ip)} | ${fmt(ir)} | ${round(ip / ir, 3)} (${round(indexPaired, 3)}) |`,
    );

    phase('indexing');

    // -- 2. searchAccounts against the raw client -------------------------------------------------------------
    // Sanity: both sides find the same accounts for every variant.
    for (const variant of Object.values(MIXES).flat()) {
      const ours = await searchAccounts(variant.es);
      const theirs = await rawClient.search({ index: 'accounts', ...accountSearchBody(variant.es).body });
      const total = typeof theirs.hits.total === 'number' ? theirs.hits.total : theirs.hits.total?.value;
      if (ours.nbHits !== total || ours.hits[0]?.objectID !== theirs.hits.hits[0]?._id) {
        throw new Error(`provider and raw client disagree for ${JSON.stringify(variant.es)}: ${ours.nbHits} vs ${total}`);
      }
    }
    const esResults: Record<string, { a: Summary; b: Summary; paired: number; mixed: Interleaved }> = {};
    for (const [mix, variants] of Object.entries(MIXES)) {
      const provider = (i: number) => searchAccounts(variants[i % variants.length]!.es);
      const direct = (i: number) => rawClient.search({ index: 'accounts', ...accountSearchBody(variants[i % variants.length]!.es).body });
      const result = { ...(await compare(provider, direct)), mixed: await interleaved(provider, direct) };
      esResults[mix] = result;
      report(`elasticsearch:search:${mix}`, {
        interleavedRatio: round(result.mixed.ratio, 3), interleavedProviderMeanMs: round(result.mixed.aMeanMs, 2),
        interleavedRawMeanMs: round(result.mixed.bMeanMs, 2), interleavedOps: result.mixed.ops,
        providerOpsPerSec: Math.round(result.a.opsPerSec), rawOpsPerSec: Math.round(result.b.opsPerSec),
        ratio: round(result.a.opsPerSec / result.b.opsPerSec, 3), pairedRatioMedian: round(result.paired, 3),
        providerP50Ms: round(result.a.p50Ms, 2), providerP99Ms: round(result.a.p99Ms, 2),
        rawP50Ms: round(result.b.p50Ms, 2), rawP99Ms: round(result.b.p99Ms, 2),
        providerClientCpuUsPerOp: Math.round(result.a.cpuUsPerOp), rawClientCpuUsPerOp: Math.round(result.b.cpuUsPerOp),
        providerOps: result.a.ops, rawOps: result.b.ops, concurrency: CONCURRENCY, roundMs: ROUND_MS, rounds: ROUNDS,
      });
    }
    table.push(
      '',
      `| searchAccounts vs raw client, ${CONCURRENCY} in flight, ${ROUNDS}×${ROUND_MS} ms rounds | provider ops/s (p50/p99 ms) | raw ops/s (p50/p99 ms) | ratio (paired) | interleaved: ratio (mean ms provider/raw) | client CPU µs/op provider/raw |`,
      '|---|---|---|---|---|---|',
      ...Object.entries(esResults).map(([mix, r]) =>
        `| ${mix} | ${fmt(r.a.opsPerSec)} (${fmt(r.a.p50Ms, 2)}/${fmt(r.a.p99Ms, 2)}) | ${fmt(r.b.opsPerSec)} (${fmt(r.b.p50Ms, 2)}/${fmt(r.b.p99Ms, 2)}) | ` +
        `${round(r.a.opsPerSec / r.b.opsPerSec, 3)} (${round(r.paired, 3)}) | ${round(r.mixed.ratio, 3)} (${fmt(r.mixed.aMeanMs, 2)}/${fmt(r.mixed.bMeanMs, 2)}) | ` +
        `${fmt(r.a.cpuUsPerOp)}/${fmt(r.b.cpuUsPerOp)} |`),
    );

    phase('search vs raw');

    // -- 2b. the same against a replay of the node's answers: the client side alone ------------------------------
    replay = await startEsReplayChild(node);
    const replayUrl = replay.url;
    const replayContainer = createDbContainer({ env: { ELASTIC_NODE: replayUrl }, logger: createLogger({ level: 'silent' }) });
    container.replay = replayContainer;
    setDefaultContainer(replayContainer);
    rawReplay = new Client({ node: replayUrl });
    const rawReplayClient = rawReplay;
    const replayResults: Record<string, { a: Summary; b: Summary; paired: number; mixed: Interleaved }> = {};
    for (const [mix, variants] of Object.entries(MIXES)) {
      const provider = (i: number) => searchAccounts(variants[i % variants.length]!.es);
      const direct = (i: number) => rawReplayClient.search({ index: 'accounts', ...accountSearchBody(variants[i % variants.length]!.es).body });
      for (let i = 0; i < variants.length; i++) {
        await provider(i); // records the answer
        await direct(i);
      }
      replayResults[mix] = { ...(await compare(provider, direct)), mixed: await interleaved(provider, direct) };
    }
    const replayStats = (await (await fetch(`${replayUrl}/_replay/stats`)).json()) as { forwarded: number; replayed: number };
    // Every variant reached the node once, whichever side sent it first: both sides send the same requests.
    if (replayStats.forwarded !== Object.values(MIXES).flat().length) {
      throw new Error(`the replay proxy forwarded ${replayStats.forwarded} requests for ${Object.values(MIXES).flat().length} variants`);
    }
    for (const [mix, r] of Object.entries(replayResults)) {
      report(`elasticsearch:search-replayed:${mix}`, {
        interleavedRatio: round(r.mixed.ratio, 3), interleavedProviderMeanMs: round(r.mixed.aMeanMs, 3), interleavedRawMeanMs: round(r.mixed.bMeanMs, 3),
        providerOpsPerSec: Math.round(r.a.opsPerSec), rawOpsPerSec: Math.round(r.b.opsPerSec),
        ratio: round(r.a.opsPerSec / r.b.opsPerSec, 3), pairedRatioMedian: round(r.paired, 3),
        providerClientCpuUsPerOp: Math.round(r.a.cpuUsPerOp), rawClientCpuUsPerOp: Math.round(r.b.cpuUsPerOp),
        replayed: replayStats.replayed, concurrency: CONCURRENCY,
      });
    }
    table.push(
      '',
      `| searchAccounts vs raw client against a replay of the node's answers (child process), ${CONCURRENCY} in flight | provider ops/s (p50 ms) | raw ops/s (p50 ms) | ratio (paired) | interleaved: ratio (mean ms provider/raw) | client CPU µs/op provider/raw |`,
      '|---|---|---|---|---|---|',
      ...Object.entries(replayResults).map(([mix, r]) =>
        `| ${mix} | ${fmt(r.a.opsPerSec)} (${fmt(r.a.p50Ms, 2)}) | ${fmt(r.b.opsPerSec)} (${fmt(r.b.p50Ms, 2)}) | ${round(r.a.opsPerSec / r.b.opsPerSec, 3)} (${round(r.paired, 3)}) | ` +
        `${round(r.mixed.ratio, 3)} (${fmt(r.mixed.aMeanMs, 3)}/${fmt(r.mixed.bMeanMs, 3)}) | ${fmt(r.a.cpuUsPerOp)}/${fmt(r.b.cpuUsPerOp)} |`),
    );
    setDefaultContainer(c);
    phase('search vs raw, replayed');

    // -- 3. searchAccounts against the local Algolia server -----------------------------------------------------
    const write = getWriteClient();
    await write.setSettings({
      indexName: ALGOLIA_INDEX,
      indexSettings: {
        searchableAttributes: ['name', 'handle', 'description', 'keywords', 'categories'],
        attributesForFaceting: FACETS,
      },
    });
    await write.saveObjects({ indexName: ALGOLIA_INDEX, objects: accounts.map((account) => ({ ...account, objectID: account.objectID! })), waitForTasks: true });
    const search = getSearchClient();
    const algoliaSearch = (variant: Variant) =>
      search.searchSingleIndex<AccountDocument>({ indexName: ALGOLIA_INDEX, searchParams: { ...variant.algolia, facets: FACETS } });
    const matches: string[] = [];
    for (const variant of Object.values(MIXES).flat()) {
      const [ours, theirs] = [await searchAccounts(variant.es), await algoliaSearch(variant)];
      if (theirs.hits.length === 0) throw new Error(`the local Algolia server found nothing for ${JSON.stringify(variant.algolia)}`);
      matches.push(`${ours.nbHits}/${theirs.nbHits}`);
    }
    const algoliaResults: Record<string, { a: Summary; b: Summary; paired: number }> = {};
    for (const [mix, variants] of Object.entries(MIXES)) {
      const result = await compare(
        (i) => searchAccounts(variants[i % variants.length]!.es),
        (i) => algoliaSearch(variants[i % variants.length]!),
      );
      algoliaResults[mix] = result;
      report(`elasticsearch:vs-local-algolia:${mix}`, {
        elasticsearchOpsPerSec: Math.round(result.a.opsPerSec), algoliaOpsPerSec: Math.round(result.b.opsPerSec),
        ratio: round(result.a.opsPerSec / result.b.opsPerSec, 3), pairedRatioMedian: round(result.paired, 3),
        elasticsearchP50Ms: round(result.a.p50Ms, 2), elasticsearchP99Ms: round(result.a.p99Ms, 2),
        algoliaP50Ms: round(result.b.p50Ms, 2), algoliaP99Ms: round(result.b.p99Ms, 2), concurrency: CONCURRENCY,
      });
    }
    report('elasticsearch:vs-local-algolia:hits', { note: 'nbHits Elasticsearch/local Algolia per variant (fuzzy OR text vs every word)', counts: matches.join(' ') });
    table.push(
      '',
      '| searchAccounts vs local Algolia server (child process), same 1,000 accounts | Elasticsearch ops/s (p50/p99 ms) | local Algolia ops/s (p50/p99 ms) | ratio (paired) |',
      '|---|---|---|---|',
      ...Object.entries(algoliaResults).map(([mix, r]) =>
        `| ${mix} | ${fmt(r.a.opsPerSec)} (${fmt(r.a.p50Ms, 2)}/${fmt(r.a.p99Ms, 2)}) | ${fmt(r.b.opsPerSec)} (${fmt(r.b.p50Ms, 2)}/${fmt(r.b.p99Ms, 2)}) | ` +
        `${round(r.a.opsPerSec / r.b.opsPerSec, 3)} (${round(r.paired, 3)}) |`),
    );
    phase('vs local Algolia');
    process.stderr.write(`\nelasticsearch: ${es.version}, one node, ${DOCS} accounts, ${round((performance.now() - startedAt) / 1000, 0)} s (${phases.join(', ')})\n${table.join('\n')}\n\n`);
  } finally {
    await Promise.allSettled([raw?.close(), rawReplay?.close()]);
    setDefaultContainer(undefined);
    await Promise.allSettled([container.current?.dispose(), container.replay?.dispose()]);
    await Promise.allSettled([es?.stop(), algolia?.stop(), replay?.stop()]);
  }
}

await bench();

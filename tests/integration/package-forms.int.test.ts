import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installedApp, nodeModulesAbove } from '../helpers/installed.js';
import '../helpers/elasticsearch-node.js';
import '../helpers/kafka-servers.js';
import '../helpers/mongo-servers.js';
import '../helpers/servers.js';

// The packed package installed into an app with npm, used as an ES module app (`import`) and as a CommonJS app
// (`require`) uses it: every entry point, one client each against the local servers, in a child process per form.
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'tests', 'fixtures', 'package-forms');
const servers = inject('servers');
const kafka = inject('kafka');
const mongo = inject('mongo');
const algolia = inject('algolia');
const elasticsearch = inject('elasticsearch');
// The node is shared by the run: indices of this run (and form) alone.
const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const esIndices = (form: string) => ({ accounts: `forms-${form}-accounts-${runId}`, categories: `forms-${form}-categories-${runId}` });

let app: string;
let work: string;
beforeAll(() => {
  // Scripts sit in a scratch directory of the app, so that they resolve the package from the app's node_modules only.
  app = installedApp('module');
  expect(nodeModulesAbove(app)).toEqual([]); // only the app's own node_modules can serve a require
  work = mkdtempSync(join(app, 'run-'));
  for (const file of readdirSync(fixtures)) copyFileSync(join(fixtures, file), join(work, file));
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function env(form: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    FORM: form,
    LOG_LEVEL: 'silent',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(servers.redis.plain),
    KAFKA_SERVICE_URI: `127.0.0.1:${kafka.ports.plaintext}`,
    DATABASE_URL_ONLINE: `${mongo.url}forms_${form}`,
    ALGOLIA_APP_ID: algolia.appId,
    ALGOLIA_WRITE_API_KEY: algolia.writeApiKey,
    ALGOLIA_HOSTS: algolia.url,
    ELASTIC_NODE: elasticsearch.url,
    ELASTIC_ACCOUNTS_INDEX: esIndices(form).accounts,
    ELASTIC_CATEGORIES_INDEX: esIndices(form).categories,
  };
}

/** The account document as the node holds it, read directly (not through the package). */
async function storedAccount(index: string, id: string): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${elasticsearch.url}/${encodeURIComponent(index)}/_doc/${encodeURIComponent(id)}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${index}/_doc/${id}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { _source: Record<string, unknown> })._source;
}

describe.each([
  ['esm', 'use-all.mjs'],
  ['cjs', 'use-all.cjs'],
])('the installed package, %s form', (form, script) => {
  it('serves every entry point from the local servers, loads no client library at import, and exits by itself', async () => {
    const result = spawnSync(process.execPath, [join(work, script)], { cwd: work, env: env(form), encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull(); // not killed by the guard: nothing kept the process alive after disposal
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as { elasticsearch?: { hits?: unknown[][] } };
    const indices = esIndices(form);
    const id = out.elasticsearch?.hits?.[0]?.[0];
    expect(out).toEqual({
      form,
      loadedBefore: [],
      main: 'main',
      redisDo: 'redis-do',
      sharedDefault: true,
      mongo: form,
      algolia: form,
      elasticsearch: {
        indices: [[indices.accounts, 'created'], [indices.categories, 'created']],
        hits: [[expect.stringMatching(new RegExp(`^${form}-\\d+$`)), `Forms ${form} creator`, 4.5]],
        nbHits: 1,
        sharedDefault: true,
      },
      kafkaOffset: 2,
      prisma: expect.stringMatching(/^ProviderError: \[prisma\] .*query engine/),
      testing: 'fake',
      disposal: { 'kafka-consumers': 'not_initialized', kafka: 'closed', redis: 'closed', mongodb: 'closed', algolia: 'closed', prisma: 'closed', elasticsearch: 'closed' },
    });
    // The account is on the node, in this form's index.
    expect(await storedAccount(indices.accounts, String(id))).toMatchObject({ accountId: id, objectID: id, name: `Forms ${form} creator`, rating: 4.5 });
  });
});

describe('the installed package under plain Node, used for Redis alone', () => {
  it('loads ioredis only: no other client library is read', () => {
    const script = `
      const { getRedisClient } = require('@ratecreator/db/redis-do');
      const { getDefaultContainer } = require('@ratecreator/db');
      const libraries = ['ioredis', 'kafkajs', 'mongodb', '@algolia/client-search', '@algolia/requester-node-http', '@elastic/elasticsearch', '@prisma/client/runtime/library.js'];
      const loaded = () => libraries.filter((name) => require.cache[require.resolve(name)] !== undefined);
      (async () => {
        await getRedisClient().set('redis-only', 'yes');
        const value = await getRedisClient().get('redis-only');
        const after = loaded();
        await getDefaultContainer().dispose();
        process.stdout.write(JSON.stringify({ value, after }));
      })();
    `;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: work, env: env('redis-only'), encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ value: 'yes', after: ['ioredis'] });
  });
});

describe.each([
  ['esm', 'utils.mjs'],
  ['cjs', 'utils.cjs'],
])('@ratecreator/db/utils in the installed package, %s form', (form, script) => {
  it('loads one self-contained file (no builtin, no client library, no handle), works in Node with empty caches, and loadEnv fills the environment', () => {
    const result = spawnSync(process.execPath, [join(work, script)], { cwd: work, env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe(''); // nothing logged, by the helpers or the caches
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      form,
      // The pinned list of what loading /utils loads: its one file. Nothing it requires or imports, builtins included.
      cost: { files: [`@ratecreator/db/dist/utils/index.${form === 'esm' ? 'mjs' : 'cjs'}`], requests: [], builtins: [], handles: [] },
      values: ['999', '1.0 K', '1.5 M', '1.5 B', 'hello-world', 'Hello World', 'AL', 'Hello...', 'r/a/comments/b1/c/', '42', '2.00', 'YOUTUBE'],
      caches: [null, null, null, null, null],
      loadEnv: { loaded: ['UTILS_FORM_LOADED'], kept: ['UTILS_FORM_KEPT'], values: ['from-file', 'from-env'] },
    });
  });
});

describe('the installed package\'s types, as TypeScript apps compile against them', () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const typeRoots = join(root, 'node_modules', '@types');
  const compile = (name: string, files: Record<string, string>, options: Record<string, unknown>) => {
    const dir = mkdtempSync(join(app, `types-${name}-`));
    try {
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
      const tsconfig = { compilerOptions: { strict: true, noEmit: true, target: 'es2022', skipLibCheck: false, typeRoots: [typeRoots], types: ['node'], ...options }, include: ['*.ts', '*.cts', '*.mts'] };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
      const run = spawnSync(process.execPath, [tsc, '-p', '.'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      return `${run.stdout}${run.stderr}`.replaceAll(dir, '<app>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const USE = `
    import getRedisClient, { getRedisClient as named } from '@ratecreator/db/redis-do';
    import getMongoClient from '@ratecreator/db/mongo-client';
    import getPrismaClient from '@ratecreator/db/client';
    import { createDbContainer, RedisProvider } from '@ratecreator/db';
    import { createTestContainer } from '@ratecreator/db/testing';
    import { getKafkaProducer } from '@ratecreator/db/kafka-client';
    import { getWriteClient } from '@ratecreator/db/algolia-client';
    import { getElasticsearchClient, indexAccount, searchAccounts, type AccountDocument, type SearchAccountsResult } from '@ratecreator/db/elasticsearch-client';
    import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
    import type { Producer } from 'kafkajs';
    import type { SearchClient } from '@algolia/client-search';
    import type { Redis } from 'ioredis';
    import type { MongoClient } from 'mongodb';
    const redis: Redis = getRedisClient();
    const same: typeof named = getRedisClient;
    const mongo: Promise<MongoClient> = getMongoClient();
    const reviews = getPrismaClient().review.findMany({ where: { isDeleted: false } });
    const provider: RedisProvider = createDbContainer({ env: {} }).resolve(RedisProvider);
    const fake: RedisProvider = createTestContainer().resolve(RedisProvider);
    const producer: Promise<Producer> = getKafkaProducer();
    const search: SearchClient = getWriteClient();
    const account: AccountDocument = { accountId: 'a1', platform: 'YOUTUBE', name: 'A creator', rating: 4.5, categories: ['music'] };
    const found: Promise<SearchAccountsResult> = indexAccount(account).then(() => searchAccounts({ query: 'creator', page: 1, limit: 10 }));
    const firstRating: Promise<number | null | undefined> = found.then((result) => result.hits[0]?.rating);
    const total: Promise<number> = found.then((result) => result.nbHits);
    const es: ElasticsearchClient = getElasticsearchClient();
    export { redis, same, mongo, reviews, provider, fake, producer, search, account, found, firstRating, total, es };
  `;
  const WRONG = [
    `import getRedisClient from '@ratecreator/db/redis-do';`,
    `export const n: number = getRedisClient();`,
    `import type { SearchAccountsResult } from '@ratecreator/db/elasticsearch-client';`,
    `export const h: string = ({} as SearchAccountsResult).nbHits;`,
    '',
  ].join('\n');
  const forms = {
    'nodenext, ES module': { file: 'app.mts', options: { module: 'nodenext', moduleResolution: 'nodenext' } },
    'nodenext, CommonJS': { file: 'app.cts', options: { module: 'nodenext', moduleResolution: 'nodenext', esModuleInterop: true } },
    'bundler (Next.js, esbuild)': { file: 'app.ts', options: { module: 'esnext', moduleResolution: 'bundler' } },
    'node10 (module commonjs, the legacy resolution)': { file: 'app.ts', options: { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true } },
  };

  // @ratecreator/db/utils as the apps use it: the ready caches' data goes into the apps' own types; a cache typed by
  // the app checks what it stores.
  const USE_UTILS = `
    import { formatValue, formatDate, truncateText, getInitials, stripUrlParams, creatorCache, searchCache, categoryGlossaryCache, CreatorCache, type CacheOptions } from '@ratecreator/db/utils';
    import { loadEnv, type LoadEnvResult } from '@ratecreator/db/utils/load-env';
    interface CreatorData { account: { name: string } }
    interface SearchResult { objectID: string }
    interface GlossaryCategory { slug: string }
    const labels: string[] = [formatValue(1500), formatDate('2024-01-15'), truncateText(undefined, 3), getInitials(null), stripUrlParams('a.png?x')];
    let data: CreatorData | null = null;
    const fromReady = creatorCache.getCachedCreator('YOUTUBE', 'id').then((cached) => { if (cached) data = cached; });
    const results: Promise<SearchResult[] | null> = searchCache.getCachedResults('q');
    const glossary: Promise<{ [key: string]: GlossaryCategory[] } | null> = categoryGlossaryCache.getCachedCategories();
    const accounts: Promise<number | undefined> = categoryGlossaryCache.getCachedCategoryWithAccounts('music').then((c) => c?.accounts);
    const options: CacheOptions = { expirationMs: 1000 };
    const typed: Promise<CreatorData | null> = new CreatorCache<CreatorData>(options).getCachedCreator('YOUTUBE', 'id');
    const inBrowser = new CreatorCache<CreatorData>({ indexedDB: globalThis.indexedDB, onError: (error) => console.warn(error) });
    const env: LoadEnvResult = loadEnv({ cwd: '.' });
    export { labels, data, fromReady, results, glossary, accounts, typed, inBrowser, env };
  `;
  const WRONG_UTILS = [
    `import { formatValue, CreatorCache } from '@ratecreator/db/utils';`,
    `export const n: number = formatValue(1);`,
    `export const c = new CreatorCache<{ name: string }>().setCachedCreator('YOUTUBE', 'id', { name: 1 });`,
    '',
  ].join('\n');

  it.each(Object.entries(forms))('%s: @ratecreator/db/utils and /utils/load-env type-check as the apps use them; misuses do not', (name, { file, options }) => {
    const wrongFile = file.replace('app.', 'wrong.');
    const output = compile(`utils-${name.replace(/\W+/g, '-')}`, { [file]: USE_UTILS, [wrongFile]: WRONG_UTILS }, options).trim().split('\n');
    expect(output).toEqual([
      `${wrongFile}(2,14): error TS2322: Type 'string' is not assignable to type 'number'.`,
      `${wrongFile}(3,91): error TS2322: Type 'number' is not assignable to type 'string'.`,
    ]);
  }, 120_000);

  // One compilation per form: the app's use must check cleanly, and the two misuses must be the only errors (so the
  // types are not `any`, and the compiler did read them).
  it.each(Object.entries(forms))('%s: every entry point type-checks, default exports included; misuses do not', (name, { file, options }) => {
    const wrongFile = file.replace('app.', 'wrong.');
    const output = compile(name.replace(/\W+/g, '-'), { [file]: USE, [wrongFile]: WRONG }, options).trim().split('\n');
    expect(output).toEqual([
      `${wrongFile}(2,14): error TS2322: Type 'Redis' is not assignable to type 'number'.`,
      `${wrongFile}(4,14): error TS2322: Type 'number' is not assignable to type 'string'.`,
    ]);
  }, 120_000);
});


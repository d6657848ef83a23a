import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The public surface, pinned: adding or removing an export must be a deliberate change to this list.
describe('export surface', () => {
  it('@ratecreator/db exports exactly these runtime names', async () => {
    const api = await import('../../src/index.js');
    expect(Object.keys(api).sort()).toEqual(
      [
        'CONFIG_VARIABLES',
        'AlgoliaProvider',
        'CacheProvider',
        'ConfigError',
        'DB_CONFIG',
        'DbError',
        'DisposedError',
        'ElasticsearchProvider',
        'LOGGER',
        'KafkaProvider',
        'LazyProvider',
        'PrismaProvider',
        'MongoProvider',
        'ProviderError',
        'RedisProvider',
        'TimeoutError',
        'backoffDelay',
        'checkHealth',
        'installShutdownHooks',
        'isEngineUnavailable',
        'softDeleteExtension',
        'softDeleteModels',
        'createDbContainer',
        'createLogger',
        'disposeWithReport',
        'getDefaultContainer',
        'setDefaultContainer',
        'lastDisposalReport',
        'loadConfig',
        'stripUrlCredentials',
      ].sort(),
    );
  });

  it('@ratecreator/db/testing exports exactly these runtime names', async () => {
    const api = await import('../../src/testing/index.js');
    expect(Object.keys(api).sort()).toEqual(
      [
        'FakeAlgoliaProvider', 'FakeCacheProvider', 'FakeElasticsearchProvider', 'FakeKafkaProvider', 'FakeMongoProvider', 'FakePrismaProvider', 'FakeRedisProvider',
        'MemoryBroker', 'createAlgoliaService', 'createTestContainer', 'startAlgoliaServer',
      ].sort(),
    );
  });

  it('@ratecreator/db/client keeps the original names and adds the schema’s enums', async () => {
    const api = await import('../../src/compat/client.js');
    expect(Object.keys(api).sort()).toEqual(
      [
        'default', 'getPrismaClient', 'prisma',
        // The schema's enums (model types are exported as types only).
        'ClaimStatus', 'CommentStatus', 'ContentPlatform', 'ContentType', 'IdeaStage', 'IdeaStatus', 'OrgRole', 'Platform',
        'PostStatus', 'RefreshStatus', 'ReviewStatus', 'Role', 'UserRole', 'VerificationStatus', 'VoteType',
        // All of them as the generated client's namespace, and its client class (what apps imported from @prisma/client).
        '$Enums', 'PrismaClient',
      ].sort(),
    );
    expect(api.default).toBe(api.getPrismaClient);
  });

  it('@ratecreator/db/redis-do keeps the original names', async () => {
    const api = await import('../../src/compat/redis-do.js');
    expect(Object.keys(api).sort()).toEqual(['closeRedisConnection', 'default', 'getRedisClient', 'redis']);
    expect(api.default).toBe(api.getRedisClient);
  });

  it('@ratecreator/db/mongo-client keeps the original names', async () => {
    const api = await import('../../src/compat/mongo-client.js');
    expect(Object.keys(api).sort()).toEqual(['default', 'getMongoClient']);
    expect(api.default).toBe(api.getMongoClient);
  });

  it('@ratecreator/db/algolia-client keeps the original names', async () => {
    const api = await import('../../src/compat/algolia-client.js');
    // getSearchAccounts is upstream's too (the web app's account search); its types are exported beside it.
    expect(Object.keys(api).sort()).toEqual(['algoliaClient', 'getSearchAccounts', 'getSearchClient', 'getWriteClient']);
  });

  it('@ratecreator/db/kafka-client keeps the original names', async () => {
    const api = await import('../../src/compat/kafka-client.js');
    expect(Object.keys(api).sort()).toEqual([
      'createTopicIfNotExists', 'disconnectProducer', 'getKafkaClient', 'getKafkaConsumer', 'getKafkaProducer', 'kafka',
    ]);
  });

  it('@ratecreator/db/elasticsearch-client exports the upstream names and the typed extras', async () => {
    const api = await import('../../src/compat/elasticsearch-client.js');
    expect(Object.keys(api).sort()).toEqual([
      // upstream's names
      'bulkIndexAccounts', 'checkHealth', 'createIndices', 'deleteAccount', 'getElasticsearchClient', 'indexAccount',
      'searchAccounts', 'searchCategories', 'updateAccount',
      // this package's additions: the bulk error, the mappings, the sort fields, the limit and the range parser
      'ACCOUNTS_INDEX', 'ACCOUNT_SORT_FIELDS', 'BulkIndexError', 'CATEGORIES_INDEX', 'MAX_LIMIT', 'parseRange',
    ].sort());
  });

  it('@ratecreator/db/utils keeps the original names: 18 helpers, 3 cache classes and their ready instances', async () => {
    const api = await import('../../src/utils/index.js');
    expect(Object.keys(api).sort()).toEqual([
      // text and number formatting
      'capitalizeEachWord', 'capitalizeFirstLetter', 'convertToEmbeddedUrl', 'extractTikTokVideoId', 'extractTweetId',
      'formatDate', 'formatFloat', 'formatUtcTimestamp', 'formatValue', 'fromSlug', 'getInitials', 'getRedditPostId',
      'removeNormalSuffix', 'reverseAndHyphenate', 'splitAndCapitalize', 'stripUrlParams', 'toSlug', 'truncateText',
      // the IndexedDB caches
      'CategoryGlossaryCache', 'CreatorCache', 'SearchCache', 'categoryGlossaryCache', 'creatorCache', 'searchCache',
      // this package's addition: the error a cache's onError receives
      'IndexedDbError',
    ].sort());
  });

  it('@ratecreator/db/utils/load-env exports loadEnv alone', async () => {
    const api = await import('../../src/utils/load-env.js');
    expect(Object.keys(api)).toEqual(['loadEnv']);
  });

  it('package.json maps every subpath to CommonJS, types first, with an ES module wrapper where there is a default export', () => {
    type Target = { types: string; default: string };
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, string | Target | { import: Target; default: Target }>;
      bin: Record<string, string>;
      main: string;
      types: string;
      typesVersions: Record<'*', Record<string, [string]>>;
    };
    expect(Object.keys(pkg.exports)).toEqual([
      '.', './testing', './redis-do', './client', './kafka-client', './mongo-client', './algolia-client', './elasticsearch-client',
      './utils', './utils/load-env', './package.json',
    ]);
    // An ES module file beside the CommonJS one: a wrapper for a default export, or (./utils, browser code) a real
    // ES module build that bundlers tree-shake.
    const withDefault = ['./redis-do', './client', './mongo-client', './utils'];
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      const [cjs, esm] = 'import' in target ? [target.default, target.import] : [target, undefined];
      expect(Object.keys(cjs), subpath).toEqual(['types', 'default']);
      expect(cjs.default, subpath).toMatch(/^\.\/dist\/.*\.cjs$/);
      expect(cjs.types, subpath).toBe(cjs.default.replace(/\.cjs$/, '.d.ts'));
      expect(esm !== undefined, subpath).toBe(withDefault.includes(subpath));
      if (esm) {
        expect(Object.keys(esm), subpath).toEqual(['types', 'default']);
        expect(esm.default, subpath).toBe(cjs.default.replace(/\.cjs$/, '.mjs'));
        expect(esm.types, subpath).toBe(cjs.default.replace(/\.cjs$/, '.d.mts'));
      }
    }
    expect(pkg.bin).toEqual({ 'ratecreator-db': 'dist/cli/main.cjs', 'ratecreator-db-codemod': 'scripts/codemod-prisma-imports.mjs' });
    // TypeScript's legacy resolution (moduleResolution node10, the default of module commonjs) reads these instead.
    expect([pkg.main, pkg.types]).toEqual(['./dist/index.cjs', './dist/index.d.ts']);
    const legacy = pkg.typesVersions['*'];
    expect(Object.keys(legacy)).toEqual(Object.keys(pkg.exports).filter((key) => key.startsWith('./') && key !== './package.json').map((key) => key.slice(2)));
    for (const [name, [types]] of Object.entries(legacy)) {
      const target = pkg.exports[`./${name}`] as Target | { default: Target };
      expect(types, name).toBe('types' in target ? target.types : target.default.types);
    }
  });
});

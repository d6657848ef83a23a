// Next.js cells of the build matrix (issue 10): the fixture app (tests/fixtures/next-app: app router, a route handler
// and a server action per provider, original import paths, no package-specific configuration) built with each pinned
// Next.js toolchain as `output: "standalone"`, the standalone folder deployed ALONE to another directory (the build
// tree's node_modules renamed out of reach) and run as `node server.js` against the local servers. The package is
// installed as where Prisma's engine download works (issue 21): its install script fetches a stand-in engine from a
// loopback mirror (tests/helpers/engine-mirror.ts), which the deployment must carry and Prisma must try to load.
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeTempDir, removeDir } from '../../scripts/servers/process.js';
import { redisCli } from '../../scripts/servers/redis.js';
import { startEngineMirror, type EngineMirror } from '../helpers/engine-mirror.js';
import { actionIds, callAction, callRoute, nextBuild, prepareApp, startNext, token, type NextServer, type NextToolchain, type OpResult } from '../helpers/next-app.js';
import type {} from '../helpers/elasticsearch-node.js';
import { dependencyClosure, externalPackages, installedPackages, packageHolds, readLockfile, serverCode, USED_LIBRARIES } from '../helpers/next-trace.js';
import { packedPackage } from '../helpers/packed.js';
import { freshProfile, launchChromium } from '../helpers/chromium.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLIENT_OPS = ['redis', 'kafka', 'mongo', 'algolia', 'elasticsearch'] as const;
type Via = 'route' | 'action';

/**
 * The libraries the fixture reaches, with a string only each one's code holds: next-trace's list plus the
 * Elasticsearch client (app/lib/ops.js uses @ratecreator/db/elasticsearch-client) and the transport it sends with.
 */
const LIBRARIES: Readonly<Record<string, string>> = {
  ...USED_LIBRARIES,
  '@elastic/elasticsearch': 'Cloud ID base64 decoding failed.',
  '@elastic/transport': 'The Connection Pool option is not defined',
};

/**
 * What both pinned Next versions do with the package (found by these tests, not chosen by the app): Next bundles
 * @ratecreator/db and every client library it requires into the server chunks, except `mongodb`, which is on Next's
 * built-in list of server external packages: left as `require("mongodb")` and traced into the standalone folder.
 * The Elasticsearch client and its transport are bundled like the others.
 */
const EXPECTED_MODES: Record<keyof typeof LIBRARIES, 'bundled' | 'external'> = {
  '@ratecreator/db': 'bundled',
  ioredis: 'bundled',
  kafkajs: 'bundled',
  mongodb: 'external',
  '@algolia/client-search': 'bundled',
  '@algolia/requester-node-http': 'bundled',
  '@ratecreator/db/generated/prisma': 'bundled',
  tsyringe: 'bundled',
  pino: 'bundled',
  'reflect-metadata': 'bundled',
  '@elastic/elasticsearch': 'bundled',
  '@elastic/transport': 'bundled',
};

/**
 * The packages of @ratecreator/db's tree that the server chunks still `require()` at run time (all of them must be
 * traced into the standalone folder). Next 15 also leaves `@opentelemetry/api` (a dependency of @elastic/transport)
 * external: when the app has it installed, Next uses that copy instead of its compiled one, and traces it.
 * `@prisma/client` is on Next's list too: under webpack the package takes its generated client through it (see
 * scripts/build.mjs), so that the file tracer follows it to the client and the query engine beside it.
 */
const EXPECTED_EXTERNAL: Record<NextToolchain, string[]> = {
  next14: ['@prisma/client', 'mongodb'],
  next15: ['@opentelemetry/api', '@prisma/client', 'mongodb'],
};
/** Where the install placed the engine, beside the generated client, relative to the app (and to the deployment). */
const GENERATED = join('node_modules', '@ratecreator', 'db', 'generated', 'prisma');

/** The node is shared by the run: Elasticsearch indices of this run and toolchain alone. */
const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const esIndices = (toolchain: NextToolchain) => ({ accounts: `next-${toolchain}-accounts-${runId}`, categories: `next-${toolchain}-categories-${runId}` });

function serverEnv(toolchain: NextToolchain): Record<string, string> {
  const { redis } = inject('servers');
  const algolia = inject('algolia');
  return {
    LOG_LEVEL: 'warn',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(redis.plain),
    KAFKA_SERVICE_URI: `127.0.0.1:${inject('kafka').ports.plaintext}`,
    KAFKA_RETRY_RETRIES: '2',
    DATABASE_URL_ONLINE: `${inject('mongo').url}next_fixture`,
    ALGOLIA_APP_ID: algolia.appId,
    ALGOLIA_WRITE_API_KEY: algolia.writeApiKey,
    ALGOLIA_SEARCH_API_KEY: algolia.searchApiKey,
    ALGOLIA_HOSTS: algolia.url,
    ELASTIC_NODE: inject('elasticsearch').url,
    ELASTIC_ACCOUNTS_INDEX: esIndices(toolchain).accounts,
    ELASTIC_CATEGORIES_INDEX: esIndices(toolchain).categories,
  };
}

/** Reads what the app wrote for `tok` straight from the local server, bypassing the app. */
async function readBack(op: (typeof CLIENT_OPS)[number], tok: string, toolchain: NextToolchain): Promise<unknown> {
  switch (op) {
    case 'redis':
      return (await redisCli(inject('servers').redis.plain, ['GET', `next-fixture:${tok}`])).trim();
    case 'kafka': {
      const admin = new Kafka({ brokers: [`127.0.0.1:${inject('kafka').ports.plaintext}`], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        return (await admin.fetchTopicOffsets(`next-fixture-${tok}`)).map(({ partition, high }) => ({ partition, high }));
      } finally {
        await admin.disconnect();
      }
    }
    case 'mongo': {
      const client = new MongoClient(inject('mongo').url, { directConnection: true, serverSelectionTimeoutMS: 5000 });
      try {
        return (await client.db('next_fixture').collection<{ _id: string; value?: string }>('next_fixture').findOne({ _id: tok }))?.value;
      } finally {
        await client.close();
      }
    }
    case 'algolia': {
      const { url, appId, writeApiKey } = inject('algolia');
      const response = await fetch(`${url}/1/indexes/next_fixture/${tok}`, {
        headers: { 'x-algolia-application-id': appId, 'x-algolia-api-key': writeApiKey },
      });
      return response.ok ? ((await response.json()) as { value?: unknown }).value : `HTTP ${response.status}`;
    }
    case 'elasticsearch': {
      const index = esIndices(toolchain).accounts;
      const response = await fetch(`${inject('elasticsearch').url}/${index}/_doc/next-fixture-${tok}`);
      if (!response.ok) return `HTTP ${response.status}`;
      const { _source } = (await response.json()) as { _source: { description?: unknown; handle?: unknown; objectID?: unknown } };
      return _source.handle === tok && _source.objectID === `next-fixture-${tok}` ? _source.description : _source;
    }
  }
}

/** What each operation answers when it worked, and what the server holds afterwards. */
function expected(op: (typeof CLIENT_OPS)[number], tok: string, via: Via, toolchain: NextToolchain): { body: Partial<OpResult>; stored: unknown } {
  const value = `${via}:${tok}`;
  if (op === 'elasticsearch') {
    // The search found the account indexed just before, in this run's index (created by the app on first use).
    const { accounts, categories } = esIndices(toolchain);
    return { body: { value, objectID: `next-fixture-${tok}`, indices: [accounts, categories] }, stored: value };
  }
  if (op === 'kafka') {
    return { body: { topic: `next-fixture-${tok}`, baseOffset: '0', high: '1' }, stored: [{ partition: 0, high: '1' }] };
  }
  return { body: op === 'mongo' ? { value, database: 'next_fixture' } : { value }, stored: value };
}

describe.each(['next14', 'next15'] as const satisfies readonly NextToolchain[])('%s: app router, output "standalone", deployed alone', (toolchain) => {
  const timings: Record<string, number> = {};
  let app = '';
  let deployed = '';
  let server: NextServer | undefined;
  let ids: Record<string, string> = {};
  let mirror: EngineMirror | undefined;

  const call = (via: Via, op: string, tok: string) =>
    via === 'route' ? callRoute(server!.url, op, tok) : callAction(server!.url, ids[op] ?? `missing-${op}`, tok);

  beforeAll(async () => {
    const time = async <T>(phase: string, body: () => Promise<T> | T): Promise<T> => {
      const start = performance.now();
      try {
        return await body();
      } finally {
        timings[phase] = Math.round(performance.now() - start);
      }
    };
    const tarball = await time('pack', () => packedPackage());
    mirror = await startEngineMirror();
    app = await time('install', () => prepareApp(toolchain, tarball, { installScriptEnv: mirror!.env }));
    await time('build', () => nextBuild(app));
    deployed = makeTempDir(`next-standalone-${toolchain}`);
    await time('deploy', () => {
      cpSync(join(app, '.next', 'standalone'), deployed, { recursive: true, verbatimSymlinks: true });
      cpSync(join(app, '.next', 'static'), join(deployed, '.next', 'static'), { recursive: true });
      // Out of reach: nothing the server loads may come from the build tree.
      renameSync(join(app, 'node_modules'), join(app, 'node_modules.out-of-reach'));
    });
    server = await time('start', () => startNext(deployed, () => ['server.js'], { NODE_ENV: 'production', ...serverEnv(toolchain) }));
    ids = await actionIds(server.url);
  }, 600_000);

  afterAll(async () => {
    const output = server?.output() ?? '';
    await server?.stop();
    await mirror?.close();
    if (app) removeDir(app);
    if (deployed) removeDir(deployed);
    console.log(`${toolchain} timings (ms): ${JSON.stringify(timings)}`);
    if (/error/i.test(output)) console.log(`${toolchain} server output:\n${output}`);
  });

  it('runs from a folder that reaches no node_modules but its own', () => {
    expect(existsSync(join(app, 'node_modules'))).toBe(false);
    for (let dir = dirname(deployed); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const links = readdirSync(deployed, { recursive: true, withFileTypes: true }).filter((entry) => entry.isSymbolicLink());
    for (const link of links) {
      const target = resolve(link.parentPath, readlinkSync(join(link.parentPath, link.name)));
      expect(target.startsWith(`${deployed}/`), `${link.name} -> ${target}`).toBe(true);
    }
    expect(lstatSync(join(deployed, 'server.js')).isFile()).toBe(true);
  });

  it('renders a form per server action', () => {
    expect(Object.keys(ids).sort()).toEqual(['accounts', 'algolia', 'elasticsearch', 'kafka', 'mongo', 'prisma', 'redis']);
  });

  it('renders the \'use client\' component using @ratecreator/db/utils: on the server, in browser chunks free of server code, and in Chromium with its cache', async () => {
    const html = await (await fetch(`${server!.url}/`, { signal: AbortSignal.timeout(60_000) })).text();
    for (const [id, text] of [['utils-value', '1.5 M'], ['utils-initials', 'AL'], ['utils-truncated', 'A very lo...'], ['utils-cached', 'pending']]) {
      expect(html, id).toContain(`<span id="${id}">${text}</span>`);
    }
    // The browser chunks hold /utils (its caches included) and nothing of the server entries or client libraries.
    const staticDir = join(deployed, '.next', 'static');
    const browserCode = readdirSync(staticDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(join(staticDir, file), 'utf8'))
      .join('\n');
    expect(/["'`]CreatorCache["'`]/.test(browserCode), 'the creator cache (its database name) is in the browser chunks').toBe(true);
    expect(Object.entries(LIBRARIES).filter(([, signature]) => browserCode.includes(signature)).map(([name]) => name)).toEqual([]);
    // The component uses one cache of three: the others are tree-shaken from the ES module build.
    expect(browserCode.includes('CategoryGlossaryCache'), 'the unused category cache is not bundled').toBe(false);
    // Hydrated in a browser, the component's effect writes and reads the IndexedDB cache.
    const seen = { pageErrors: [] as string[], warnings: [] as string[] };
    const profile = freshProfile();
    const context = await launchChromium(profile, seen);
    try {
      const page = await context.newPage();
      await page.goto(`${server!.url}/`);
      await page.locator('#utils-cached', { hasText: 'Cached in the browser' }).waitFor({ timeout: 30_000 });
      expect(await page.textContent('#utils-value')).toBe('1.5 M');
      expect(seen.pageErrors).toEqual([]);
    } finally {
      await context.close();
      removeDir(profile);
    }
  });

  describe.each(['route', 'action'] as const)('%s', (via) => {
    it.each(CLIENT_OPS)(`%s answers from the local server`, async (op) => {
      const tok = token();
      const { status, body } = await call(via, op, tok);
      const want = expected(op, tok, via, toolchain);
      expect({ status, ...body }, JSON.stringify(body)).toMatchObject({ status: 200, ok: true, ...want.body });
      expect(await readBack(op, tok, toolchain)).toEqual(want.stored);
    });

    it('accounts: getSearchAccounts (search-only key) finds the record saved in accounts, and UserRole.WRITER comes from /client', async () => {
      const tok = token();
      const { status, body } = await call(via, 'accounts', tok);
      expect({ status, ...body }, JSON.stringify(body)).toMatchObject({
        status: 200, ok: true, index: 'accounts', nbHits: 1, objectID: `next-${tok}`, value: `${via}:${tok}`, role: 'WRITER',
      });
    });

    it('prisma loads the query engine the deployment carries (the stand-in cannot load: the package\'s engine error, 503)', async () => {
      const { status, body } = await call(via, 'prisma', token());
      // A route handler answers the error's status; an action returns it as data with HTTP 200.
      expect(status).toBe(via === 'route' ? 503 : 200);
      expect(body).toMatchObject({ ok: false, status: 503, provider: 'prisma' });
      expect(body.message).toMatch(/^\[prisma\] Prisma query engine is not available \(.+\); to fix: set PRISMA_QUERY_ENGINE_LIBRARY/);
      // Prisma found the engine in the deployed folder and tried to load that very file.
      expect(body.message).toContain(`Unable to require(\`${join(realpathSync(deployed), GENERATED, mirror!.fileName)}\`)`);
      // Apps test `error.name`: it must survive Next's minification of server bundles.
      expect(body.name).toBe('ProviderError');
    });
  });

  it('carries the query engine the install placed beside the generated client', () => {
    expect(readFileSync(join(app, 'node_modules.out-of-reach', '@ratecreator', 'db', 'generated', 'prisma', mirror!.fileName)).equals(mirror!.engine)).toBe(true);
    expect(readFileSync(join(deployed, GENERATED, mirror!.fileName)).equals(mirror!.engine)).toBe(true);
    // Of the package itself only the generated client travels (its code is in the server chunks).
    expect(readdirSync(join(deployed, 'node_modules', '@ratecreator', 'db'))).toEqual(['generated']);
  });

  it('deploys exactly the client libraries it uses: each one bundled into the server chunks, or left external and traced', () => {
    const modules = join(app, 'node_modules.out-of-reach');
    const lock = readLockfile(join(modules, '.package-lock.json'));
    const ours = dependencyClosure(lock, ['@ratecreator/db']);
    const nextOwn = dependencyClosure(lock, ['next', 'react', 'react-dom']);
    const code = serverCode(join(app, '.next'));
    const external = [...externalPackages(code)].filter((name) => ours.has(name)).sort();
    const traced = installedPackages(join(deployed, 'node_modules'));

    const modes: Record<string, string> = {};
    for (const [name, signature] of Object.entries(LIBRARIES)) {
      expect(packageHolds(modules, name, signature), `${name} no longer holds "${signature}"`).toBe(true);
      modes[name] = external.includes(name) ? 'external' : code.includes(signature) ? 'bundled' : 'missing';
    }
    const deployedOfOurs = [...traced].filter((name) => !nextOwn.has(name)).sort();
    console.log(`${toolchain}: ${JSON.stringify(modes)}; external: ${external.join(' ')}; deployed: ${deployedOfOurs.join(' ')}`);
    expect(Object.entries(modes).filter(([, mode]) => mode === 'missing')).toEqual([]);
    expect(modes).toEqual(EXPECTED_MODES);
    expect(external).toEqual(EXPECTED_EXTERNAL[toolchain]);
    // Whatever stays external is deployed, with what it needs...
    expect(external.filter((name) => !traced.has(name))).toEqual([]);
    if (external.includes('@ratecreator/db')) {
      expect(existsSync(join(deployed, 'node_modules', '@ratecreator', 'db', 'generated', 'prisma', 'index.js'))).toBe(true);
    }
    // ...and nothing else of the package's tree is: no devDependency, no ioredis-mock, nothing unused.
    const needed = dependencyClosure(lock, external);
    expect([...traced].filter((name) => !nextOwn.has(name) && !needed.has(name)).sort()).toEqual([]);
    const devDependencies = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: object }).devDependencies);
    expect([...traced].filter((name) => devDependencies.includes(name) || name === 'ioredis-mock')).toEqual([]);
    // The symptom: the bundle embedded the build machine's file:// path of the package.
    expect(code).not.toContain(`file://${app}`);
  });
});

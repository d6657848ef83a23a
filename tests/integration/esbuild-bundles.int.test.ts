// The esbuild cells of the build matrix (issue 10): a consumer service shaped like Rate Creator's
// (tests/fixtures/esbuild-service: original import paths, Kafka consumer -> Algolia record, SIGTERM -> exit 0,
// `require.main === module`), with the packed package installed by npm, bundled by the pinned esbuild
// (tests/toolchains/esbuild) in four ways and run with `node` against the local Kafka broker, Algolia server, the shared
// Elasticsearch node and Redis.
// The bundled variants run with the app's node_modules moved out of reach: the bundle alone must be enough.
import { readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { removeDir } from '../../scripts/servers/process.js';
import { redisCli } from '../../scripts/servers/redis.js';
import {
  CREATE_REQUIRE_BANNER,
  esbuild,
  getAlgoliaObject,
  installFixtureApp,
  saveAlgoliaObject,
  startService,
  withoutNodeModules,
} from '../helpers/esbuild-app.js';
import type {} from '../helpers/elasticsearch-node.js';
import type {} from '../helpers/kafka-servers.js';
import type {} from '../helpers/mongo-servers.js';
import type {} from '../helpers/servers.js';
import { packedPackage } from '../helpers/packed.js';

const kafka = inject('kafka');
const algolia = inject('algolia');
const redisPort = inject('servers').redis.plain;
const elasticsearch = inject('elasticsearch');
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The services' build: `esbuild src/index.ts --platform=node --bundle --outfile=dist/index.js`, and its variations. */
const VARIANTS = [
  { id: 'cjs-bundled', entry: 'src/index.ts', out: 'dist/cjs-bundled/index.js', args: ['--format=cjs'], bundled: true },
  { id: 'cjs-external', entry: 'src/index.ts', out: 'dist/cjs-external/index.js', args: ['--format=cjs', '--packages=external'], bundled: false },
  // ESM output that bundles CommonJS code needs esbuild's createRequire banner, whichever package that code comes from (see the last test).
  { id: 'esm-bundled', entry: 'src/index.esm.ts', out: 'dist/esm-bundled/index.mjs', args: ['--format=esm', `--banner:js=${CREATE_REQUIRE_BANNER}`], bundled: true },
  { id: 'esm-external', entry: 'src/index.esm.ts', out: 'dist/esm-external/index.mjs', args: ['--format=esm', '--packages=external'], bundled: false },
] as const;

const serviceEnv = {
  LOG_LEVEL: 'info',
  KAFKA_SERVICE_URI: `127.0.0.1:${kafka.ports.plaintext}`,
  KAFKA_CLIENT_ID: 'esbuild-service',
  ALGOLIA_APP_ID: algolia.appId,
  ALGOLIA_WRITE_API_KEY: algolia.writeApiKey,
  ALGOLIA_HOSTS: algolia.url,
  ELASTIC_NODE: elasticsearch.url,
  REDIS_HOST: '127.0.0.1',
  REDIS_PORT: String(redisPort),
  // The default shutdown deadline (10 s): consumers' fetch long-poll is sized to fit it (consumerMaxWaitMs).
};

let app: string;
let producer: Producer;

beforeAll(async () => {
  app = await installFixtureApp(packedPackage());
  producer = new Kafka({ clientId: 'esbuild-bundles-test', brokers: [serviceEnv.KAFKA_SERVICE_URI], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
}, 180_000);

afterAll(async () => {
  await producer?.disconnect();
  if (app) removeDir(app);
});

/** Fails when `bundle` mentions a path of a build machine (the app's directory, the repository, the temp dir). */
function expectNoBuildMachinePaths(bundle: string): void {
  const paths = [app, realpathSync(app), root, '/work/', join(tmpdir(), 'ratecreator-db-')];
  const found = paths.flatMap((path) => {
    const at = bundle.indexOf(path);
    return at === -1 ? [] : [`${path} in: ...${bundle.slice(Math.max(0, at - 120), at + 80)}...`];
  });
  const url = /file:\/\/\/(?:tmp|work|home|root)\//.exec(bundle);
  if (url) found.push(`a file URL: ...${bundle.slice(Math.max(0, url.index - 120), url.index + 80)}...`);
  expect(found, 'absolute paths of a build machine in the bundle').toEqual([]);
}

/** The node is shared by the run: Elasticsearch index names of this test alone (lowercase, as the node requires). */
function esIndices(suffix: string): { ELASTIC_ACCOUNTS_INDEX: string; ELASTIC_CATEGORIES_INDEX: string } {
  return { ELASTIC_ACCOUNTS_INDEX: `esbuild-accounts-${suffix}`, ELASTIC_CATEGORIES_INDEX: `esbuild-categories-${suffix}` };
}

/** An account document as the node holds it (GET /<index>/_doc/<id>), read directly; undefined when there is none. */
async function getAccountDocument(index: string, id: string): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${elasticsearch.url}/${encodeURIComponent(index)}/_doc/${encodeURIComponent(id)}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${index}/_doc/${id}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { _source: Record<string, unknown> })._source;
}

/** Stores an account document on the node directly (PUT, replacing it, visible to reads at once). */
async function putAccountDocument(index: string, id: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${elasticsearch.url}/${encodeURIComponent(index)}/_doc/${encodeURIComponent(id)}?refresh=true`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`PUT ${index}/_doc/${id}: HTTP ${response.status} ${await response.text()}`);
}

/** Builds `variant` (node_modules still in place, as on a build machine); returns the bundle's text. */
async function build(variant: (typeof VARIANTS)[number]): Promise<string> {
  await esbuild(app, [variant.entry, '--bundle', '--platform=node', ...variant.args, `--outfile=${variant.out}`]);
  return readFileSync(join(app, variant.out), 'utf8');
}

/** Starts the built service, feeds it one rating update, checks what it did, stops it with SIGTERM. */
async function exercise(variant: (typeof VARIANTS)[number]): Promise<void> {
  const suffix = `${variant.id}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const topic = `ratings-${suffix}`;
  const indexName = `accounts_${suffix}`;
  const objectID = `creator-${suffix}`;
  await saveAlgoliaObject(algolia, indexName, objectID, { name: 'A creator', rating: 1, reviewCount: 1 });

  const es = esIndices(suffix);
  const service = startService(app, variant.out, {
    ...serviceEnv, ...es, RATING_TOPIC: topic, CONSUMER_GROUP: `group-${suffix}`, ALGOLIA_INDEX: indexName,
  });
  try {
    const ready = await service.waitFor((line) => line.event === 'ready' || line.event === 'failed', 'ready line');
    expect(ready.event, JSON.stringify(ready)).toBe('ready');
    // The service created this run's indices at start, through the subpath.
    expect(ready.elasticsearch).toEqual([
      { index: es.ELASTIC_ACCOUNTS_INDEX, state: 'created' },
      { index: es.ELASTIC_CATEGORIES_INDEX, state: 'created' },
    ]);
    // The account exists in the index before the update (as the Algolia record does).
    await putAccountDocument(es.ELASTIC_ACCOUNTS_INDEX, objectID, { accountId: objectID, objectID, platform: 'YOUTUBE', name: 'A creator', rating: 1, reviewCount: 1 });
    await producer.send({ topic, messages: [{ key: objectID, value: JSON.stringify({ objectID, rating: 4.5, reviewCount: 12 }) }] });
    // A handler that threw (kafkajs logs it, the package logs the crash) ends the wait at once.
    const handled = await service.waitFor(
      (line) => (line.event === 'applied' && line.objectID === objectID) || line.msg === 'consumer crashed' || /eachMessage/.test(String(line.msg)),
      'applied line',
    );
    expect(handled.event, `the service logged an error:\n${JSON.stringify(handled)}`).toBe('applied');

    // A partial update: the fields from the message changed, the others stayed.
    expect(await getAlgoliaObject(algolia, indexName, objectID)).toMatchObject({ objectID, name: 'A creator', rating: 4.5, reviewCount: 12 });
    expect((await redisCli(redisPort, ['GET', `account:${objectID}:rating`])).trim()).toBe('4.5');
    // The same partial update of the Elasticsearch account document, stamped with lastIndexedAt.
    const document = await getAccountDocument(es.ELASTIC_ACCOUNTS_INDEX, objectID);
    expect(document).toMatchObject({ accountId: objectID, objectID, platform: 'YOUTUBE', name: 'A creator', rating: 4.5, reviewCount: 12 });
    expect(Date.now() - Date.parse(String(document?.lastIndexedAt)), `lastIndexedAt: ${String(document?.lastIndexedAt)}`).toBeLessThan(120_000);

    process.kill(service.pid, 'SIGTERM');
    // A guard, not a measurement: the shutdown deadline is 10 s, a clean one takes about 1 s.
    const outcome = await service.exit(20_000);
    expect(outcome, `stderr:\n${service.stderr()}\nstdout:\n${service.stdout()}`).toEqual({ code: 0, signal: null });
    const disposal = service.lines.find((line) => line.msg === 'container disposed')?.disposal as
      | { ok: boolean; providers: Array<{ provider: string; status: string }> }
      | undefined;
    expect(disposal?.ok, service.stdout()).toBe(true);
    const closed = Object.fromEntries(disposal!.providers.map((row) => [row.provider, row.status]));
    expect(closed).toMatchObject({ 'kafka-consumers': 'closed', kafka: 'closed', redis: 'closed', elasticsearch: 'closed' });
    expect(service.stderr()).toBe('');
  } finally {
    service.kill();
  }
}

describe('esbuild --bundle --platform=node: the consumer service, built like the real ones', () => {
  it.each(VARIANTS)('$id: consumes a message, updates the Algolia record and the Elasticsearch document, exits 0 on SIGTERM', async (variant) => {
    const bundle = await build(variant);
    if (variant.bundled) {
      await withoutNodeModules(app, () => exercise(variant));
      // The client libraries are in the bundle: esbuild saw every require of them.
      for (const library of ['kafkajs/', 'ioredis/', '@algolia/client-search/', '@algolia/requester-node-http/', '@elastic/elasticsearch/', '@elastic/transport/', 'pino/', 'tsyringe/']) {
        expect(bundle.includes(`node_modules/${library}`), `${library} is in the bundle`).toBe(true);
      }
    } else {
      await exercise(variant);
      expect(bundle.includes('node_modules/'), 'no package is in the bundle').toBe(false);
      // Left to the app's node_modules: the package (which loads the client libraries, @elastic/elasticsearch too).
      expect(bundle).toMatch(/require\("@ratecreator\/db\/elasticsearch-client"\)|from "@ratecreator\/db\/elasticsearch-client"/);
    }
    expectNoBuildMachinePaths(bundle);
  }, 90_000);
});

describe('esbuild ESM output and CommonJS dependencies', () => {
  // esbuild turns `require()` inside bundled CommonJS code into a helper that, in ESM output, throws
  // `Dynamic require of "<module>" is not supported` unless a `require` exists: its documented remedy is the
  // createRequire banner. The control (raw ioredis, no @ratecreator/db) shows the rule is esbuild's, not ours.
  it('without the createRequire banner, raw ioredis and the service alike fail with "Dynamic require"; with it, both run', async () => {
    const common = ['--bundle', '--platform=node', '--format=esm'];
    await esbuild(app, ['src/control-ioredis.ts', ...common, '--outfile=dist/control/no-banner.mjs']);
    await esbuild(app, ['src/control-ioredis.ts', ...common, `--banner:js=${CREATE_REQUIRE_BANNER}`, '--outfile=dist/control/banner.mjs']);
    await esbuild(app, ['src/index.esm.ts', ...common, '--outfile=dist/esm-no-banner/index.mjs']);
    const env = { ...serviceEnv, ...esIndices(`control-${Date.now().toString(36)}`), LOG_LEVEL: 'silent', RATING_TOPIC: 'never-created', ALGOLIA_INDEX: 'never-used' };
    await withoutNodeModules(app, async () => {
      const runToExit = async (file: string) => {
        const child = startService(app, file, env);
        const outcome = await child.exit(15_000);
        return { ...outcome, stdout: child.stdout(), stderr: child.stderr() };
      };
      const control = await runToExit('dist/control/no-banner.mjs');
      expect(control.code).toBe(1);
      expect(control.stderr).toMatch(/Dynamic require of "[^"]+" is not supported/);

      const controlWithBanner = await runToExit('dist/control/banner.mjs');
      expect(controlWithBanner, controlWithBanner.stderr).toMatchObject({ code: 0, signal: null });
      expect(JSON.parse(controlWithBanner.stdout)).toEqual({ event: 'got', value: 'ok' });

      // It fails at load or in main() (which prints the error on stdout and exits 1), depending on where the first
      // bundled require of a built-in runs.
      const service = await runToExit('dist/esm-no-banner/index.mjs');
      expect(service.code).toBe(1);
      expect(service.stderr + service.stdout).toMatch(/Dynamic require of "[^"]+" is not supported/);
    });
  }, 60_000);
});

describe('esbuild: the schema and the account search as the apps use them (issue 21)', () => {
  it.each([
    { id: 'cjs-bundled', args: ['--format=cjs'], out: 'dist/apps-probe/bundled.js', bundled: true },
    { id: 'cjs-external', args: ['--format=cjs', '--packages=external'], out: 'dist/apps-probe/external.js', bundled: false },
  ])('$id: UserRole from /client, posts with their author through /client, getSearchAccounts against the local Algolia server', async ({ args, out, bundled }) => {
    await esbuild(app, ['src/apps-probe.ts', '--bundle', '--platform=node', ...args, `--outfile=${out}`]);
    const token = `t${Math.random().toString(36).slice(2, 10)}`;
    const run = async () => {
      const probe = startService(app, out, {
        ...serviceEnv, ALGOLIA_SEARCH_API_KEY: algolia.searchApiKey, DATABASE_URL_ONLINE: 'mongodb://127.0.0.1:1/probe', PROBE_TOKEN: token,
      });
      try {
        const line = await probe.waitFor((entry) => entry.service === 'apps-probe', 'apps-probe line');
        expect(await probe.exit(20_000), probe.stderr()).toEqual({ code: 0, signal: null });
        return line;
      } finally {
        probe.kill();
      }
    };
    const line = bundled ? await withoutNodeModules(app, run) : await run();
    expect(line, JSON.stringify(line)).toMatchObject({
      role: 'WRITER',
      // No query engine on this machine: the package's error, naming prisma (the model and its relation exist).
      posts: { ok: false, name: 'ProviderError', provider: 'prisma' },
      search: { index: 'accounts', nbHits: 1, objectIDs: [`esbuild-${token}`] },
    });
  }, 90_000);
});

import { createServer, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../../scripts/servers/certs.js';
import { startElasticsearch, type ElasticsearchServer } from '../../scripts/servers/elasticsearch.js';
import { freePort, makeTempDir, removeDir } from '../../scripts/servers/process.js';
import { formatDoctor, runDoctor } from '../../src/cli/doctor.js';
import { createDbContainer, disposeWithReport, type DbContainer } from '../../src/container.js';
import { ProviderError } from '../../src/errors.js';
import { checkHealth } from '../../src/lifecycle/health.js';
import { ElasticsearchProvider } from '../../src/providers/elasticsearch.js';
import { captureLogs } from '../helpers/logs.js';
import { startTlsFront, type TlsFront } from '../helpers/tls-front.js';

/** Sent with every request of every container here: it must never appear in an error or a log line. */
const API_KEY = 'ZXMtdGVzdDpzZWNyZXQtYXBpLWtleS12YWx1ZQ==';
const logs = captureLogs();
const containers: DbContainer[] = [];
let es: ElasticsearchServer;
let certs: TestCertificates;
let tlsFront: TlsFront;
let tlsPort = 0;

function container(env: Record<string, string>): DbContainer {
  const c = createDbContainer({
    env: { ELASTIC_API_KEY: API_KEY, ELASTIC_RETRY_RETRIES: '1', ELASTIC_RETRY_INITIAL_DELAY_MS: '50', ELASTIC_RETRY_MAX_DELAY_MS: '100', ...env },
    logger: logs.logger,
  });
  containers.push(c);
  return c;
}

/** What an application would see of a failure: message, cause chain and every own property. */
function everything(error: unknown): string {
  return inspect(error, { depth: 12, showHidden: true });
}

async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  es = await startElasticsearch();
  const dir = makeTempDir('es-certs');
  certs = makeTestCertificates(dir);
  // A TLS front for the plain node (the test distribution serves HTTP only with security off).
  tlsFront = await startTlsFront(es.port, certs);
  tlsPort = tlsFront.port;
}, 180_000);

afterAll(async () => {
  try {
    await Promise.all(containers.map((c) => c.dispose()));
    await tlsFront?.close();
    if (certs) removeDir(certs.dir);
  } finally {
    await es?.stop();
  }
  // No secret in any log line of any container of this file (every one was configured with the API key).
  expect(logs.lines.length).toBeGreaterThan(0);
  expect(logs.text()).not.toContain(API_KEY);
}, 60_000);

describe('ElasticsearchProvider against a real node', () => {
  it('connects, indexes and searches a document through provider.client, and reports up', async () => {
    const c = container({ ELASTIC_NODE: es.url });
    const provider = c.resolve(ElasticsearchProvider);
    expect(provider.isBuilt).toBe(false);
    expect((await provider.health()).status).toBe('not_initialized');
    await provider.connect();
    const index = `${provider.indexNames.accounts}-it`;
    await provider.client.index({ index, id: 'acc-1', document: { name: 'Creator One', platform: 'YOUTUBE', followerCount: 1200 }, refresh: true });
    await provider.client.index({ index, id: 'acc-2', document: { name: 'Someone Else', platform: 'TWITCH', followerCount: 5 }, refresh: true });
    const found = await provider.client.search<{ name: string }>({ index, query: { match: { name: 'creator' } } });
    expect(found.hits.hits.map((hit) => hit._id)).toEqual(['acc-1']);
    expect(found.hits.hits[0]?._source?.name).toBe('Creator One');
    const health = await provider.health();
    expect(health).toMatchObject({ provider: 'elasticsearch', status: 'up' });
    const all = await checkHealth(c);
    expect(all.providers.find((row) => row.provider === 'elasticsearch')?.status).toBe('up');
    const report = await disposeWithReport(c);
    expect(report.providers.find((row) => row.provider === 'elasticsearch')).toMatchObject({ phase: 'search', status: 'closed' });
  });

  it('doctor: a row for Elasticsearch (up, target, TLS off), a config_error naming the variable, no key printed', async () => {
    const result = await runDoctor({ ELASTIC_NODE: es.url, ELASTIC_API_KEY: API_KEY }, 10_000);
    expect(result.rows.find((row) => row.provider === 'elasticsearch')).toMatchObject({ status: 'up', target: es.url, tls: false });
    expect(result.ok).toBe(true);
    const broken = await runDoctor({ ELASTIC_NODE: es.url, ELASTIC_API_KEY: API_KEY, ELASTIC_MAX_RETRIES: 'many' }, 10_000);
    expect(broken.rows.find((row) => row.provider === 'elasticsearch')).toMatchObject({ status: 'config_error' });
    expect(formatDoctor(broken)).toMatch(/ELASTIC_MAX_RETRIES: an integer >= 0/);
    expect(JSON.stringify([result, broken]) + formatDoctor(result)).not.toContain(API_KEY);
  });

  it('a node that refuses connections: a ProviderError naming elasticsearch after the configured retries', async () => {
    const port = await freePort();
    const provider = container({ ELASTIC_NODE: `http://127.0.0.1:${port}`, ELASTIC_REQUEST_TIMEOUT_MS: '1000' }).resolve(ElasticsearchProvider);
    const started = Date.now();
    const error = await provider.connect().then(() => undefined, (e: unknown) => e);
    const ms = Date.now() - started;
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('elasticsearch');
    expect((error as Error).message).toMatch(/^\[elasticsearch\] connect failed: .*ECONNREFUSED/);
    expect(everything(error)).not.toContain(API_KEY);
    // 2 attempts (RETRIES=1) of one refused request each: far below a second, bounded generously here.
    expect(ms).toBeLessThan(10_000);
    expect((await provider.health()).status).toBe('down');
    console.log(`FIGURES ${JSON.stringify({ scenario: 'refused', connectFailedMs: ms })}`);
  });

  it('a node that accepts and never answers: the request timeout ends each attempt, then a ProviderError', async () => {
    const held = new Set<Socket>();
    const silent = createServer((socket) => void held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const provider = container({ ELASTIC_NODE: `http://127.0.0.1:${port}`, ELASTIC_REQUEST_TIMEOUT_MS: '700' }).resolve(ElasticsearchProvider);
      const started = Date.now();
      const error = await provider.connect().then(() => undefined, (e: unknown) => e);
      const ms = Date.now() - started;
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toMatch(/^\[elasticsearch\] connect failed: .*timed out/i);
      expect(everything(error)).not.toContain(API_KEY);
      // Two attempts of 700 ms plus one backoff of at most 100 ms: at least the timeouts, and nowhere near unbounded.
      expect(ms).toBeGreaterThanOrEqual(1300);
      expect(ms).toBeLessThan(15_000);
      // A caller's own deadline is shorter still: it cuts the attempt.
      const cut = Date.now();
      const stopped = await container({ ELASTIC_NODE: `http://127.0.0.1:${port}`, ELASTIC_REQUEST_TIMEOUT_MS: '30000' })
        .resolve(ElasticsearchProvider).connect({ timeoutMs: 500 }).then(() => undefined, (e: unknown) => e);
      expect((stopped as Error).message).toBe('[elasticsearch] connect timed out after 500 ms');
      expect(Date.now() - cut).toBeLessThan(5000);
      console.log(`FIGURES ${JSON.stringify({ scenario: 'silent', connectFailedMs: ms, callerDeadlineMs: Date.now() - cut })}`);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('TLS: the right CA connects, a wrong CA or a TLS URL to the plain port is a ProviderError, not retried', async () => {
    const good = container({ ELASTIC_NODE: `https://127.0.0.1:${tlsPort}`, ELASTIC_TLS_CA_FILE: certs.caFile }).resolve(ElasticsearchProvider);
    await good.connect();
    expect((await good.client.cluster.health()).cluster_name).toBe('ratecreator-db-test');
    expect((await good.health()).status).toBe('up');

    const before = logs.lines.length;
    const wrong = container({ ELASTIC_NODE: `https://127.0.0.1:${tlsPort}`, ELASTIC_TLS_CA_FILE: certs.wrongCaFile, ELASTIC_RETRY_RETRIES: '5' })
      .resolve(ElasticsearchProvider);
    const error = await wrong.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^\[elasticsearch\] connect failed: .*(certificate|self[- ]signed)/i);
    expect(everything(error)).not.toContain(API_KEY);
    // A certificate problem is not retried: one failed attempt, logged as such.
    const attempts = logs.lines.slice(before).filter((line) => line.includes('connect attempt failed'));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toContain('"retried":false');

    const plain = container({ ELASTIC_NODE: `https://127.0.0.1:${es.port}`, ELASTIC_RETRY_RETRIES: '0' }).resolve(ElasticsearchProvider);
    const plainError = await plain.connect().then(() => undefined, (e: unknown) => e);
    expect(plainError).toBeInstanceOf(ProviderError);
    expect((plainError as ProviderError).provider).toBe('elasticsearch');
    expect(everything(plainError)).not.toContain(API_KEY);
  });

  it('node killed: health goes down; restarted on the same port: the same container recovers', async () => {
    const c = container({ ELASTIC_NODE: es.url, ELASTIC_REQUEST_TIMEOUT_MS: '2000' });
    const provider = c.resolve(ElasticsearchProvider);
    await provider.connect();
    const index = 'recovery-it';
    await provider.client.index({ index, id: 'r1', document: { n: 1 }, refresh: true });

    const killedAt = Date.now();
    await es.kill();
    expect((await provider.health({ timeoutMs: 3000 })).status).toBe('down');
    const failed = await provider.client.count({ index }).then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(everything(failed)).not.toContain(API_KEY);
    expect((await checkHealth(c, { timeoutMs: 3000 })).httpStatus).toBe(503);

    await es.restart();
    const back = await until(() => provider.health({ timeoutMs: 3000 }), (h) => h.status === 'up');
    expect(back.status).toBe('up');
    const recoveredMs = Date.now() - killedAt;
    // The data survived the crash (same data directory) and the same client reads it.
    expect((await provider.client.count({ index })).count).toBe(1);
    await provider.client.index({ index, id: 'r2', document: { n: 2 }, refresh: true });
    expect((await provider.client.count({ index })).count).toBe(2);
    console.log(`FIGURES ${JSON.stringify({ scenario: 'kill-restart', downToUpMs: recoveredMs })}`);
  }, 180_000);

  it('frozen node (SIGSTOP): disposal ends within DB_SHUTDOWN_TIMEOUT_MS and fails the request in flight', async () => {
    const deadlineMs = 1500;
    const c = container({ ELASTIC_NODE: es.url, ELASTIC_REQUEST_TIMEOUT_MS: '60000', DB_SHUTDOWN_TIMEOUT_MS: String(deadlineMs) });
    const provider = c.resolve(ElasticsearchProvider);
    await provider.connect();
    await es.freeze();
    try {
      const inFlight = provider.client.search({ index: 'recovery-it', query: { match_all: {} } }).then(() => 'answered', (e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await provider.health({ timeoutMs: 500 })).status).toBe('down');
      // Still unanswered: the disposal below has a request in flight to wait for.
      expect(await Promise.race([inFlight, Promise.resolve('pending')])).toBe('pending');
      const started = Date.now();
      const report = await disposeWithReport(c);
      const ms = Date.now() - started;
      const row = report.providers.find((r) => r.provider === 'elasticsearch');
      // close() waits for the request the frozen node never answers; the hard close destroys the pool instead.
      expect(row).toMatchObject({ phase: 'search', status: 'timed_out' });
      expect(ms).toBeLessThan(deadlineMs + 2000);
      expect(logs.lines.some((line) => line.includes('"destroyed":1') && line.includes('connections destroyed'))).toBe(true);
      const outcome = await Promise.race([inFlight, new Promise((resolve) => setTimeout(() => resolve('still pending'), 5000))]);
      expect(outcome).toBeInstanceOf(Error);
      expect(everything(outcome)).not.toContain(API_KEY);
      console.log(`FIGURES ${JSON.stringify({ scenario: 'frozen', deadlineMs, disposalMs: ms, status: row?.status })}`);
    } finally {
      es.thaw();
    }
  });
});

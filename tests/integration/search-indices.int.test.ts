// `ratecreator-db search-indices` against a real Elasticsearch node (the test distribution, security off: the API key
// sent with every request is accepted and ignored, and must never be printed). The command runs in process, as the
// `indexes` tests run theirs, plus once as the bin in a separate process to show it exits by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearch, type ElasticsearchServer } from '../../scripts/servers/elasticsearch.js';
import { freePort } from '../../scripts/servers/process.js';
import { searchIndicesCommand, type SearchIndicesResult } from '../../src/cli/search-indices.js';
import { ACCOUNTS_INDEX } from '../../src/compat/elasticsearch-indices.js';
import { runTsChild } from '../helpers/run-child.js';

const API_KEY = 'c2VhcmNoLWluZGljZXM6aW50ZWdyYXRpb24ta2V5LXZhbHVl';
const PASSWORD = 'search-indices-int-password-4d2';
const cwd = mkdtempSync(join(tmpdir(), 'ratecreator-db-search-indices-')); // no .env here
let es: ElasticsearchServer;

async function searchIndices(env: Record<string, string>, args: string[] = []): Promise<{ code: number; out: string; ms: number }> {
  let out = '';
  const started = Date.now();
  const code = await searchIndicesCommand(args, { env, cwd, write: (text) => (out += text) });
  return { code, out, ms: Date.now() - started };
}

/** The environment of the test node, with an API key that must stay out of every output. */
const nodeEnv = (extra: Record<string, string> = {}) => ({ ELASTIC_NODE: es.url, ELASTIC_API_KEY: API_KEY, ...extra });

/** A plain request to the node, outside the package. */
async function http(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${es.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

beforeAll(async () => {
  es = await startElasticsearch();
}, 180_000);

afterAll(async () => {
  try {
    await es?.stop();
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}, 60_000);

describe('ratecreator-db search-indices against a real node', () => {
  it('check on an empty node: exit 1, both indices missing, nothing created', async () => {
    const { code, out } = await searchIndices(nodeEnv());
    expect(code, out).toBe(1);
    expect(out).toContain(`Search indices on ${es.url} (check only):`);
    expect(out).toMatch(/^missing {2}accounts {3}accounts$/m);
    expect(out).toMatch(/^missing {2}categories categories$/m);
    expect(out).toContain('2 of 2 indices missing: `ratecreator-db search-indices --create` creates them.');
    expect(out).not.toContain(API_KEY);
    expect((await fetch(`${es.url}/accounts`, { method: 'HEAD' })).status).toBe(404);

    const json = await searchIndices(nodeEnv(), ['--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual({
      ok: false,
      create: false,
      target: es.url,
      indices: [
        { role: 'accounts', index: 'accounts', state: 'missing', differences: [], ok: false },
        { role: 'categories', index: 'categories', state: 'missing', differences: [], ok: false },
      ],
    });
  });

  it('--create: exit 0, both created with the documented mappings; again: exit 0, both exist and are left alone', async () => {
    const created = await searchIndices(nodeEnv(), ['--create']);
    expect(created.code, created.out).toBe(0);
    expect(created.out).toMatch(/^created {2}accounts {3}accounts$/m);
    expect(created.out).toMatch(/^created {2}categories categories$/m);
    expect(created.out).toContain('All 2 indices have the documented mappings (2 created).');
    const mapping = await http('GET', '/accounts/_mapping');
    expect(mapping.json.accounts.mappings.properties.followerCount).toEqual({ type: 'long' });
    const settings = await http('GET', '/accounts/_settings');
    expect(settings.json.accounts.settings.index.number_of_shards).toBe('2');
    const uuid = settings.json.accounts.settings.index.uuid as string;

    for (const args of [['--create'], []]) {
      const again = await searchIndices(nodeEnv(), args);
      expect(again.code, again.out).toBe(0);
      expect(again.out).toMatch(/^exists {3}accounts {3}accounts$/m);
      expect(again.out).toMatch(/^exists {3}categories categories$/m);
      expect(again.out).toContain('All 2 indices have the documented mappings.');
    }
    // The same index, not a re-created one.
    expect((await http('GET', '/accounts/_settings')).json.accounts.settings.index.uuid).toBe(uuid);

    const json = await searchIndices(nodeEnv(), ['--json', '--create']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as SearchIndicesResult;
    expect(report).toEqual({
      ok: true,
      create: true,
      target: es.url,
      indices: [
        { role: 'accounts', index: 'accounts', state: 'exists', differences: [], ok: true },
        { role: 'categories', index: 'categories', state: 'exists', differences: [], ok: true },
      ],
    });
    expect(json.out).not.toContain(API_KEY);
  });

  it('an index created by hand with followerCount as keyword (ELASTIC_ACCOUNTS_INDEX): exit 1 naming followerCount, --create leaves it alone', async () => {
    const index = 'accounts-wrong-mapping';
    const properties = { ...ACCOUNTS_INDEX.mappings.properties, followerCount: { type: 'keyword' } };
    const made = await http('PUT', `/${index}`, { settings: ACCOUNTS_INDEX.settings, mappings: { properties } });
    expect(made.status, JSON.stringify(made.json)).toBe(200);
    const env = nodeEnv({ ELASTIC_ACCOUNTS_INDEX: index, ELASTIC_CATEGORIES_INDEX: 'categories-custom' });

    const text = await searchIndices(env);
    expect(text.code, text.out).toBe(1);
    expect(text.out).toMatch(new RegExp(`^differs {2}accounts {3}${index}\\n {11}followerCount: type keyword, expected long$`, 'm'));
    expect(text.out).toMatch(/^missing {2}categories categories-custom$/m);
    expect(text.out).toContain('1 of 2 indices differ from the documented mappings');

    const json = await searchIndices(env, ['--json', '--create']);
    expect(json.code, json.out).toBe(1);
    const report = JSON.parse(json.out) as SearchIndicesResult;
    expect(report.ok).toBe(false);
    expect(report.indices).toEqual([
      { role: 'accounts', index, state: 'exists', differences: ['followerCount: type keyword, expected long'], ok: false },
      { role: 'categories', index: 'categories-custom', state: 'created', differences: [], ok: true },
    ]);
    // Left as it was: still a keyword.
    expect((await http('GET', `/${index}/_mapping`)).json[index].mappings.properties.followerCount).toEqual({ type: 'keyword' });
    expect(text.out + json.out).not.toContain(API_KEY);
  });

  it('a closed port with a short timeout: exit 2 within the timeout, one line naming Elasticsearch, no secret', async () => {
    const port = await freePort();
    for (const env of [
      { ELASTIC_NODE: `http://127.0.0.1:${port}`, ELASTIC_API_KEY: API_KEY },
      { ELASTIC_NODE: `http://127.0.0.1:${port}`, ELASTIC_USERNAME: 'elastic', ELASTIC_PASSWORD: PASSWORD },
    ] as Record<string, string>[]) {
      const text = await searchIndices(env, ['--timeout-ms', '1500']);
      expect(text.code, text.out).toBe(2);
      // Refused on every attempt until the retries or the timeout end: either way, the reason is named.
      expect(text.out).toMatch(new RegExp(`^search-indices failed: Elasticsearch at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      expect(text.out.trimEnd().split('\n')).toHaveLength(1);
      expect(text.ms).toBeLessThan(5000);
      const json = await searchIndices(env, ['--json', '--create', '--timeout-ms=1500']);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.out)).toEqual({ ok: false, error: expect.stringMatching(/^Elasticsearch at /) });
      for (const out of [text.out, json.out]) {
        expect(out).not.toContain(API_KEY);
        expect(out).not.toContain(PASSWORD);
      }
    }
  });

  it('a node that accepts and never answers: --timeout-ms bounds the whole run, exit 2 naming Elasticsearch', async () => {
    const held = new Set<Socket>();
    const silent = createServer((socket) => void held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const { code, out, ms } = await searchIndices({ ELASTIC_NODE: `http://127.0.0.1:${port}`, ELASTIC_API_KEY: API_KEY }, ['--timeout-ms', '800']);
      expect(code, out).toBe(2);
      expect(out).toMatch(/^search-indices failed: Elasticsearch at http:\/\/127\.0\.0\.1:\d+: .*timed out after 800 ms[^\n]*\n$/);
      expect(out).not.toContain(API_KEY);
      // The timeout plus a prompt disposal: far below the default request timeout (10 s) and disposal deadline.
      expect(ms).toBeGreaterThanOrEqual(750);
      expect(ms).toBeLessThan(4000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('runs as the ratecreator-db bin: 0 against the node, 2 for a closed port, and the process exits by itself', async () => {
    const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    const base = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent' };
    const ok = await runTsChild(main, { ...base, ELASTIC_NODE: es.url, ELASTIC_API_KEY: API_KEY }, 30_000, ['search-indices']);
    expect(ok.signal).toBeNull();
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('All 2 indices have the documented mappings.');
    const port = await freePort();
    const started = Date.now();
    // A bound with room for loading the Elasticsearch client from the sources under tsx on a busy machine (a 1 s one
    // ran out before the first refused attempt in a CI run): the reason named is the refusal, not the bound.
    const refused = await runTsChild(main, { ...base, ELASTIC_NODE: `http://127.0.0.1:${port}`, ELASTIC_API_KEY: API_KEY }, 30_000, ['search-indices', '--timeout-ms', '5000']);
    expect(refused.signal).toBeNull();
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stdout).toMatch(/^search-indices failed: Elasticsearch at .*ECONNREFUSED/);
    expect(refused.stdout + refused.stderr).not.toContain(API_KEY);
    // The tsx start-up plus the 5 s bound: nothing keeps the process alive afterwards.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

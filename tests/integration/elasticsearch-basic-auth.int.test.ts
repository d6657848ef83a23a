// Elasticsearch basic auth: the client sends `Authorization: Basic base64(user:password)`, and a node or a proxy that
// echoes the header in its 401 body hands that base64 back. Nothing the package hands out or prints may show it, nor
// any other form of the password. The node here is a stand-in on a free loopback port that answers every request
// with 401 and the header it received: in a JSON body, in a JSON body that writes `/` as `\/` (parsed by the client,
// or kept as text when a proxy labels it text/plain), and as plain text.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { setDefaultContainer } from '../../src/compat/default-container.js';
import { checkHealth as checkSearchHealth, searchAccounts } from '../../src/compat/elasticsearch-client.js';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { ProviderError } from '../../src/errors.js';
import { checkHealth } from '../../src/lifecycle/health.js';
import { ElasticsearchProvider } from '../../src/providers/elasticsearch.js';
import { base64Forms, consoleOf, expectNoneOf, passwordForms, renderings } from '../helpers/leaks.js';
import { captureLogs } from '../helpers/logs.js';

const USER = 'elastic';
/** Distinctive, with characters that percent-encode; the tail makes base64(user:password) hold `+`, `/` and `=`. */
const PASSWORD = `p@ss/w:rd-${randomBytes(6).toString('hex')}é~~?é`;
const BASIC = Buffer.from(`${USER}:${PASSWORD}`, 'utf8').toString('base64');
/** Every form of the password that must not appear anywhere. */
const FORMS = [...passwordForms(PASSWORD), ...base64Forms(`${USER}:${PASSWORD}`)];

type Mode = 'json' | 'json-escaped-slashes' | 'json-escaped-as-text' | 'text';
let mode: Mode = 'json';
/** The Authorization headers the stand-in received and wrote back, per mode. */
const echoed = new Map<Mode, string[]>();
let standIn: Server;
let env: Record<string, string>;
const cwd = mkdtempSync(join(tmpdir(), 'ratecreator-db-es-basic-auth-')); // no .env here
const logs = captureLogs();

beforeAll(async () => {
  standIn = createServer((req, res) => {
    const header = req.headers.authorization ?? '';
    echoed.set(mode, [...(echoed.get(mode) ?? []), header]);
    const reason = `unable to authenticate user [${USER}] for REST request [${req.url}] with header [Authorization: ${header}]`;
    if (mode === 'text') {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="security"' });
      res.end(`401 Unauthorized\nAuthorization: ${header}\n`);
      return;
    }
    const json = JSON.stringify({ error: { type: 'security_exception', reason, header: { Authorization: header } }, status: 401 });
    const type = mode === 'json-escaped-as-text' ? 'text/plain' : 'application/json';
    res.writeHead(401, { 'content-type': type, 'x-elastic-product': 'Elasticsearch', 'www-authenticate': 'Basic realm="security"' });
    res.end(mode === 'json' ? json : json.replaceAll('/', '\\/'));
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const { port } = standIn.address() as { port: number };
  env = {
    ELASTIC_NODE: `http://127.0.0.1:${port}`, ELASTIC_USERNAME: USER, ELASTIC_PASSWORD: PASSWORD,
    ELASTIC_RETRY_RETRIES: '0', ELASTIC_MAX_RETRIES: '0', DB_SHUTDOWN_TIMEOUT_MS: '3000',
  };
});

afterEach(() => setDefaultContainer(undefined));

afterAll(async () => {
  standIn?.closeAllConnections();
  if (standIn) await new Promise<void>((resolve) => standIn.close(() => resolve()));
  rmSync(cwd, { recursive: true, force: true });
});

/** `ratecreator-db <argv>` through the bin's entry, with the stand-in's environment. */
async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(argv, { env, cwd, write: (text) => (out += text) });
  return { code, out };
}

describe('Elasticsearch basic auth echoed in a 401 body', () => {
  it.each<Mode>(['json', 'json-escaped-slashes', 'json-escaped-as-text', 'text'])('no form of the password in anything the package hands out or prints (%s body)', async (bodyMode) => {
    mode = bodyMode;
    const linesBefore = logs.lines.length;
    const { printed } = await consoleOf(async () => {
      const c = createDbContainer({ env, logger: logs.logger });
      setDefaultContainer(c);
      const provider = c.resolve(ElasticsearchProvider);

      const connectError = await provider.connect({ timeoutMs: 5000 }).then(() => undefined, (e: unknown) => e);
      expect(connectError).toBeInstanceOf(ProviderError);
      expectNoneOf(renderings(connectError), FORMS, `${bodyMode}: the connect() error`);

      const searchError = await searchAccounts({ query: 'creator' }).then(() => undefined, (e: unknown) => e);
      expect(searchError).toBeInstanceOf(ProviderError);
      expectNoneOf(renderings(searchError), FORMS, `${bodyMode}: the searchAccounts error`);
      // The echoed header reached the error, scrubbed.
      expect((searchError as Error).message).toContain('Authorization: Basic ***');

      const health = await provider.health({ timeoutMs: 3000 });
      expect(health.status).toBe('down');
      expectNoneOf(renderings(health), FORMS, `${bodyMode}: provider.health()`);
      const searchHealth = await checkSearchHealth();
      expect(searchHealth.available).toBe(false);
      expectNoneOf(renderings(searchHealth), FORMS, `${bodyMode}: checkHealth() of the elasticsearch-client subpath`);
      expectNoneOf(renderings(await checkHealth(c, { timeoutMs: 3000, probeUnused: true })), FORMS, `${bodyMode}: checkHealth(container)`);
      expectNoneOf(renderings(await disposeWithReport(c)), FORMS, `${bodyMode}: the disposal report`);

      for (const argv of [['doctor'], ['doctor', '--json'], ['search-indices'], ['search-indices', '--json']]) {
        const { code, out } = await cli(...argv, '--timeout-ms', '5000');
        // doctor: a provider is down; search-indices: the command could not run.
        expect(code, out).toBe(argv[0] === 'doctor' ? 1 : 2);
        expect(out, argv.join(' ')).toMatch(/401|security_exception|Unauthorized/i);
        expectNoneOf(out, FORMS, `${bodyMode}: ratecreator-db ${argv.join(' ')}`);
      }
    });
    expectNoneOf(printed, FORMS, `${bodyMode}: console output`);

    const lines = logs.lines.slice(linesBefore);
    expect(lines.some((line) => line.includes('"level":40') && line.includes('connect attempt failed')), lines.join('\n')).toBe(true);
    expectNoneOf(lines.join('\n'), FORMS, `${bodyMode}: the log lines`);

    // The stand-in really received the credentials and wrote them back, so each scan above could have failed.
    expect(echoed.get(bodyMode)?.length).toBeGreaterThan(0);
    expect(new Set(echoed.get(bodyMode))).toEqual(new Set([`Basic ${BASIC}`]));
  });
});

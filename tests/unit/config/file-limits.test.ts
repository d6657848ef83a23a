// Issue 20, part 5: a file named by a *_FILE variable is read only when it is a regular file of at most 1 MiB. A
// device (/dev/zero, read without end until the process aborted), a FIFO (blocked createDbContainer() forever), a
// directory or a larger file is a ConfigError naming the variable, quoting neither the path nor the content.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { MAX_CONFIG_FILE_BYTES } from '../../../src/config/tls.js';
import { runTsChild } from '../../helpers/run-child.js';
import { configError } from '../../helpers/config-error.js';

const dir = mkdtempSync(join(tmpdir(), 'file-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every client with `*_FILE` variables: the environment that configures it, and the prefix of its TLS names. */
const CLIENTS = [
  ['Redis', 'REDIS_TLS', { REDIS_HOST: 'cache.example.com' }],
  ['Kafka', 'KAFKA_SSL', { KAFKA_SERVICE_URI: 'kafka.example.com:9093' }],
  ['MongoDB', 'MONGODB_TLS', { MONGODB_URL: 'mongodb+srv://cluster.example.net/rc' }],
  ['Elasticsearch', 'ELASTIC_TLS', { ELASTIC_NODE: 'https://es.example.com:9200' }],
] as const;

/** The three `*_FILE` variables of one client. */
const fileVariables = (prefix: string) => ['CA', 'CERT', 'KEY'].map((part) => `${prefix}_${part}_FILE`);
/** `env` with every `*_FILE` variable of the client pointing at `path`. */
const pointAll = (prefix: string, base: Record<string, string>, path: string): Record<string, string> =>
  Object.fromEntries([...Object.entries(base), ...fileVariables(prefix).map((variable) => [variable, path])]);

const MARKER = 'Zq9FileContentMarker';
/** A PEM-looking text of exactly `bytes` bytes (the cap check, not the PEM check, must decide). */
function pemOfSize(bytes: number): string {
  const head = `-----BEGIN CERTIFICATE-----\n${MARKER}\n`;
  const tail = '\n-----END CERTIFICATE-----\n';
  return head + 'A'.repeat(bytes - head.length - tail.length) + tail;
}

function expectNamedWithoutPathOrContent(message: string, variables: readonly string[], path: string, problem: RegExp): void {
  for (const variable of variables) {
    expect(message).toMatch(new RegExp(`${variable}: a regular file of at most 1 MiB with the .*\\(${problem.source}\\)`));
  }
  expect(message).not.toContain(path);
  expect(message).not.toContain(dir);
  expect(message).not.toContain(MARKER);
  expect(message).not.toContain('\0');
}

const fixture = fileURLToPath(new URL('../../fixtures/load-config.ts', import.meta.url));

/**
 * Loads the configuration in a child process, killed after 5 s: a read that blocks or never ends fails the test
 * instead of hanging the runner (or exhausting its memory).
 */
async function loadInChild(env: Record<string, string>) {
  const outcome = await runTsChild(fixture, { PATH: process.env.PATH, ...env }, 5000);
  expect(outcome.signal, `the child had to be killed: loadConfig did not return\n${outcome.stderr}`).toBeNull();
  expect(outcome.code, outcome.stderr).toBe(0);
  return JSON.parse(outcome.stdout) as { ms: number; ok: boolean; name?: string; message?: string; variables?: string[] };
}

describe.each(CLIENTS)('%s *_FILE variables', (_client, prefix, base) => {
  const variables = fileVariables(prefix);

  it('/dev/zero: a ConfigError naming each variable within a second, not a read without end', async () => {
    const result = await loadInChild(pointAll(prefix, base, '/dev/zero'));
    expect(result).toMatchObject({ ok: false, name: 'ConfigError' });
    expect(result.ms).toBeLessThan(1000);
    expect(result.variables).toEqual(expect.arrayContaining(variables));
    expectNamedWithoutPathOrContent(result.message!, variables, '/dev/zero', /a device/);
  });

  it('a FIFO without a writer: a ConfigError within a second, not a blocked process', async () => {
    const fifo = join(dir, `${prefix.toLowerCase()}-fifo`);
    execFileSync('mkfifo', [fifo]);
    const result = await loadInChild(pointAll(prefix, base, fifo));
    expect(result).toMatchObject({ ok: false, name: 'ConfigError' });
    expect(result.ms).toBeLessThan(1000);
    expectNamedWithoutPathOrContent(result.message!, variables, fifo, /a FIFO/);
  });

  it('a directory: a ConfigError naming each variable', () => {
    const directory = join(dir, `${prefix.toLowerCase()}-dir`);
    mkdirSync(directory);
    const started = performance.now();
    const error = configError(pointAll(prefix, base, directory));
    expect(performance.now() - started).toBeLessThan(1000);
    expectNamedWithoutPathOrContent(error.message, variables, directory, /a directory/);
  });

  it('a 2 MiB PEM file: a ConfigError giving its size, quoting none of it', () => {
    const file = join(dir, `${prefix.toLowerCase()}-large.pem`);
    writeFileSync(file, pemOfSize(2 * MAX_CONFIG_FILE_BYTES));
    const error = configError(pointAll(prefix, base, file));
    expectNamedWithoutPathOrContent(error.message, variables, file, /the file is 2\.0 MiB/);
  });
});

describe('the 1 MiB cap', () => {
  it('is 1 MiB', () => {
    expect(MAX_CONFIG_FILE_BYTES).toBe(1024 * 1024);
  });

  it('a PEM file of exactly 1 MiB is read whole; one byte more is refused', () => {
    const exact = join(dir, 'exact.pem');
    const pem = pemOfSize(MAX_CONFIG_FILE_BYTES);
    writeFileSync(exact, pem);
    expect(loadConfig({ REDIS_HOST: 'cache.example.com', REDIS_TLS_CA_FILE: exact }).redis?.tls?.ca).toBe(pem);

    const over = join(dir, 'over.pem');
    writeFileSync(over, pemOfSize(MAX_CONFIG_FILE_BYTES + 1));
    const error = configError({ REDIS_HOST: 'cache.example.com', REDIS_TLS_CA_FILE: over });
    expect(error.issues).toEqual([{ variable: 'REDIS_TLS_CA_FILE', expected: 'a regular file of at most 1 MiB with the CA certificate (the file is 1.1 MiB)' }]);
  });

  it('a small valid PEM file still works for every client', () => {
    const file = join(dir, 'small.pem');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(file, pem);
    const config = loadConfig(Object.assign({}, ...CLIENTS.map(([, prefix, base]) => ({ ...base, [`${prefix}_CA_FILE`]: file }))));
    expect([config.redis?.tls?.ca, config.kafka?.tls?.ca, config.mongo?.tls?.ca, config.elasticsearch?.tls?.ca]).toEqual([pem, pem, pem, pem]);
  });

  it('a missing or unreadable file keeps its error code', () => {
    const error = configError({ REDIS_HOST: 'cache.example.com', REDIS_TLS_CA_FILE: join(dir, 'missing.pem') });
    expect(error.issues).toEqual([{ variable: 'REDIS_TLS_CA_FILE', expected: 'a readable PEM file with the CA certificate (ENOENT)' }]);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { doctorCommand, runDoctor } from '../../src/cli/doctor.js';
import { kafkaEnv } from '../helpers/kafka-servers.js';
import '../helpers/mongo-servers.js';
import '../helpers/servers.js';

const servers = inject('servers');
const emptyDir = mkdtempSync(join(tmpdir(), 'doctor-'));

async function doctor(env: Record<string, string>, args: string[] = []): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await doctorCommand(['--timeout-ms', '3000', ...args], { env, cwd: emptyDir, write: (text) => (out += text) });
  return { code, out };
}

describe('ratecreator-db doctor (Redis rows)', () => {
  it('exits 0 with a row per provider when every configured provider is up', async () => {
    const { code, out } = await doctor({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain) });
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`redis\\s+redis://127\\.0\\.0\\.1:${servers.redis.plain}/0\\s+off\\s+up\\s+\\d+ ms`));
    expect(out).toMatch(/kafka\s+-\s+-\s+not_configured/);
  });

  it('reports a wrong port, a wrong CA and a wrong password as down, exits 1, and prints no secret', async () => {
    const password = 'doctor-wrong-password-123';
    const wrongPort = await runDoctor({ REDIS_HOST: '127.0.0.1', REDIS_PORT: '1', REDIS_RETRY_RETRIES: '0' }, 3000);
    expect(wrongPort.ok).toBe(false);
    expect(wrongPort.rows.find((r) => r.provider === 'redis')).toMatchObject({ status: 'down', error: expect.stringMatching(/ECONNREFUSED/) });

    const wrongCa = await runDoctor({ REDIS_HOST: 'localhost', REDIS_PORT: String(servers.redis.tls), REDIS_TLS: 'true', REDIS_TLS_CA_FILE: servers.certs.wrongCaFile }, 3000);
    expect(wrongCa.rows.find((r) => r.provider === 'redis')).toMatchObject({ status: 'down', tls: true, error: expect.stringMatching(/certificate/i) });

    const { port, username } = servers.redis.acl;
    const { code, out } = await doctor({ REDIS_URL: `redis://${username}:${password}@127.0.0.1:${port}` }, ['--json']);
    expect(code).toBe(1);
    const parsed = JSON.parse(out) as { ok: boolean; rows: Array<{ provider: string; status: string; target: string }> };
    expect(parsed.rows.find((r) => r.provider === 'redis')).toMatchObject({ status: 'down', target: `redis://127.0.0.1:${port}/0` });
    expect(out).not.toContain(password);
  });

  it('lists every configuration error at once and still probes the sections that are valid', async () => {
    const { code, out } = await doctor({
      REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain),
      KAFKA_SERVICE_URI: 'broker:notaport', ALGOLIA_APP_ID: 'APP', ALGOLIA_CONNECT_TIMEOUT_MS: 'soon',
    });
    expect(code).toBe(1);
    expect(out).toMatch(/Configuration errors:\n\s+- KAFKA_SERVICE_URI: .*\n\s+- ALGOLIA_CONNECT_TIMEOUT_MS: /);
    expect(out).toMatch(/redis\s+\S+\s+off\s+up/);
    expect(out).toMatch(/kafka\s+-\s+-\s+config_error/);
    expect(out).toMatch(/algolia\s+-\s+-\s+config_error/);
  });

  it('reads a .env file when present, with the real environment winning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doctor-env-'));
    writeFileSync(join(dir, '.env'), `REDIS_HOST=127.0.0.1\nREDIS_PORT=1\n`);
    let out = '';
    const code = await doctorCommand(['--json'], { env: { REDIS_PORT: String(servers.redis.plain) }, cwd: dir, write: (t) => (out += t) });
    expect(code).toBe(0);
    expect(out).toContain(`127.0.0.1:${servers.redis.plain}`);
  });
});

describe('ratecreator-db doctor (every provider)', () => {
  it('reports every configured provider up against the local servers and exits 0', async () => {
    const kafka = inject('kafka');
    const mongo = inject('mongo');
    const algolia = inject('algolia');
    const { code, out } = await doctor(
      {
        ...kafkaEnv(kafka, 'saslSsl'),
        REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain),
        MONGODB_URL: `mongodb://127.0.0.1:${mongo.tlsPort}/doctor?tls=true`, MONGODB_TLS_CA_FILE: mongo.certs.caFile,
        ALGOLIA_APP_ID: algolia.appId, ALGOLIA_WRITE_API_KEY: algolia.writeApiKey, ALGOLIA_HOSTS: algolia.url,
      },
      ['--json'],
    );
    const rows = (JSON.parse(out) as { rows: Array<{ provider: string; status: string; tls?: boolean }> }).rows;
    expect(Object.fromEntries(rows.map((r) => [r.provider, `${r.status}${r.tls === undefined ? '' : r.tls ? '+tls' : ''}`]))).toEqual({
      redis: 'up', kafka: 'up+tls', mongodb: 'up+tls', algolia: 'up', prisma: 'not_configured',
      elasticsearch: 'not_configured', 'cache.redis': 'up', 'cache.bus': 'up',
    });
    expect(code).toBe(0);
    expect(out).not.toContain(kafka.user.password);
    expect(out).not.toContain(algolia.writeApiKey);
  });

  it('reports a wrong Kafka password, a wrong MongoDB CA and a wrong Algolia key as down without printing a secret', async () => {
    const kafka = inject('kafka');
    const mongo = inject('mongo');
    const algolia = inject('algolia');
    const wrongPassword = 'doctor-kafka-wrong-password';
    const wrongKey = 'doctor-algolia-wrong-key';
    const { code, out } = await doctor({
      ...kafkaEnv(kafka, 'saslSsl', { KAFKA_SASL_PASSWORD: wrongPassword, KAFKA_RETRY_RETRIES: '0' }),
      MONGODB_URL: `mongodb://127.0.0.1:${mongo.tlsPort}/doctor?tls=true`, MONGODB_TLS_CA_FILE: mongo.certs.wrongCaFile,
      MONGODB_RETRY_RETRIES: '0', MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1000',
      ALGOLIA_APP_ID: algolia.appId, ALGOLIA_WRITE_API_KEY: wrongKey, ALGOLIA_HOSTS: algolia.url,
    });
    expect(code).toBe(1);
    expect(out).toMatch(/kafka\s+kafka\+ssl:\/\/\S+\s+on\s+down/);
    expect(out).toMatch(/mongodb\s+\S+\s+on\s+down\s+\d+ ms\s+.*certificate/i);
    expect(out).toMatch(/algolia\s+\S+\s+\S+\s+down/);
    for (const secret of [wrongPassword, wrongKey]) expect(out).not.toContain(secret);
  });
});

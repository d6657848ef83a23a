import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { collect, uniqueTopic } from '../helpers/kafka-servers.js';
import { forgetDefaultContainer } from '../helpers/default-slot.js';

const run = promisify(execFile);
const servers = inject('kafka');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const saved = { ...process.env };
const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

type Compat = typeof import('../../src/compat/kafka-client.js');
type Defaults = typeof import('../../src/compat/default-container.js');

/** Fresh module instances (and so a fresh default container) read from `env`. */
async function loadCompat(env: Record<string, string>): Promise<{ compat: Compat; defaults: Defaults }> {
  for (const key of Object.keys(process.env)) if (key.startsWith('KAFKA_') || key.startsWith('REDIS_')) delete process.env[key];
  Object.assign(process.env, { LOG_LEVEL: 'silent', ...env });
  vi.resetModules();
  forgetDefaultContainer();
  return {
    compat: await import('../../src/compat/kafka-client.js'),
    defaults: await import('../../src/compat/default-container.js'),
  };
}

describe('@ratecreator/db/kafka-client (original import path, real broker)', () => {
  let compat: Compat;
  let defaults: Defaults;
  const baseline = tcpSockets();

  beforeAll(async () => {
    ({ compat, defaults } = await loadCompat({ KAFKA_SERVICE_URI: `127.0.0.1:${servers.ports.plaintext}` }));
  });

  afterAll(async () => {
    await defaults.getDefaultContainer().dispose();
    process.env = saved;
  });

  it('importing opens nothing; the broker comes from KAFKA_SERVICE_URI', async () => {
    expect(tcpSockets()).toBe(baseline);
    const topic = uniqueTopic('compat');
    await compat.createTopicIfNotExists(topic);
    await compat.createTopicIfNotExists(topic);
    const producer = await compat.getKafkaProducer();
    expect(await compat.getKafkaProducer()).toBe(producer);
    await producer.send({ topic, messages: [{ value: 'hello' }] });
    const [message] = await collect(compat.getKafkaConsumer(uniqueTopic('compat-group')), topic, 1);
    expect(message?.value?.toString()).toBe('hello');
    expect(compat.getKafkaClient()).toBe(compat.getKafkaClient());
    expect(typeof compat.kafka.admin).toBe('function');
  });

  it('disconnectProducer() is never followed by a reconnection; getKafkaProducer() connects again', async () => {
    const topic = uniqueTopic('compat-disconnect');
    await compat.createTopicIfNotExists(topic);
    const producer = await compat.getKafkaProducer();
    let connects = 0;
    producer.on(producer.events.CONNECT, () => connects++);
    const before = tcpSockets();
    await compat.disconnectProducer();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(connects).toBe(0);
    expect(tcpSockets()).toBeLessThan(before);
    await expect(producer.send({ topic, messages: [{ value: 'x' }] })).rejects.toThrow(/disconnected on purpose/);
    expect(connects).toBe(0);
    expect(await compat.getKafkaProducer()).toBe(producer);
    expect(connects).toBe(1);
    await producer.send({ topic, messages: [{ value: 'y' }] });
  });

  it('without KAFKA_SERVICE_URI there is no built-in broker: a ConfigError names the variable', async () => {
    const fresh = await loadCompat({ KAFKA_USERNAME: 'someone', KAFKA_PASSWORD: 'not-printed-anywhere' });
    expect(() => fresh.compat.getKafkaClient()).toThrow(/KAFKA_SERVICE_URI/);
    expect(() => fresh.compat.getKafkaClient()).not.toThrow(/not-printed-anywhere/);
    await fresh.defaults.getDefaultContainer().dispose();
  });

  it('a process using it prints neither the CA nor the password, even at debug level, and exits by itself', async () => {
    const ca = readFileSync(servers.certs.caFile, 'utf8');
    const env = {
      ...saved,
      LOG_LEVEL: 'debug',
      KAFKA_SERVICE_URI: `127.0.0.1:${servers.ports.saslSsl}`,
      KAFKA_USERNAME: servers.user.name,
      KAFKA_PASSWORD: servers.user.password,
      KAFKA_CA_CERT: ca.trim().replace(/\n/g, '\\n'),
    };
    const started = Date.now();
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'tests/helpers/kafka-compat-child.ts', uniqueTopic('child')], {
      cwd: ROOT,
      env,
      timeout: 40_000,
    });
    const output = stdout + stderr;
    expect(stdout).toContain('CHILD-DONE');
    expect(output).toContain('producer connected');
    expect(output).not.toContain(servers.user.password);
    const body = ca.split('\n').filter((line) => line && !line.startsWith('-----'));
    for (const line of body) expect(output).not.toContain(line.slice(0, 40));
    expect(Date.now() - started).toBeLessThan(40_000);
  }, 60_000);
});

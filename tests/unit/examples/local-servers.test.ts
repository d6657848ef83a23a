import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEMO_SECRET_PREFIX, DEMO_SERVERS, LocalServers } from '../../../examples/reviews-service/local-servers.js';

describe('the demo’s LocalServers', () => {
  it('points the package at what started, generates marked secrets, redacts them, and stops what it started', async () => {
    const servers = new LocalServers();
    const [outcome] = await servers.start(['algolia']);
    expect(outcome).toMatchObject({ server: 'algolia', started: true, description: expect.stringMatching(/^local Algolia server on http:\/\/127\.0\.0\.1:\d+/) });
    const env = servers.env;
    expect(Object.keys(env).sort()).toEqual(['ALGOLIA_APP_ID', 'ALGOLIA_HOSTS', 'ALGOLIA_SEARCH_API_KEY', 'ALGOLIA_WRITE_API_KEY']);
    const key = env.ALGOLIA_WRITE_API_KEY!;
    expect(key.startsWith(DEMO_SECRET_PREFIX)).toBe(true);
    expect(servers.redact(`Command failed: tool --key=${key} --other=${env.ALGOLIA_SEARCH_API_KEY}`)).toBe('Command failed: tool --key=*** --other=***');

    const reply = await fetch(`${env.ALGOLIA_HOSTS}/1/indexes`, { headers: { 'x-algolia-application-id': env.ALGOLIA_APP_ID!, 'x-algolia-api-key': key } });
    expect(reply.status).toBe(200);
    expect(await servers.stop()).toEqual([{ server: 'algolia' }]);
    expect(servers.env).toEqual({});
    await expect(fetch(`${env.ALGOLIA_HOSTS}/1/indexes`)).rejects.toThrow();
  });
});

describe('the demo’s Elasticsearch node', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is one of the servers the demo starts, printed last', () => {
    expect(DEMO_SERVERS).toEqual(['redis', 'kafka', 'mongodb', 'algolia', 'elasticsearch']);
  });

  it('without Java is reported as not started, naming java and what the node needs, and starts nothing', async () => {
    vi.stubEnv('PATH', join(tmpdir(), 'ratecreator-db-no-such-dir'));
    vi.stubEnv('ES_JAVA_HOME', '');
    const servers = new LocalServers();
    expect(await servers.start(['elasticsearch'])).toEqual([{
      server: 'elasticsearch',
      started: false,
      reason: 'java was not found on PATH (the elasticsearch server needs Java 17 and its distribution, which npm run setup fetches once)',
    }]);
    expect(servers.env).toEqual({});
    expect(await servers.stop()).toEqual([]);
  });

  it('without the distribution is reported as not started, saying how to fetch it, and fetches nothing', async () => {
    const jdk = mkdtempSync(join(tmpdir(), 'ratecreator-db-fake-jdk-'));
    try {
      mkdirSync(join(jdk, 'bin'));
      writeFileSync(join(jdk, 'bin', 'java'), '#!/bin/sh\nexit 1\n');
      chmodSync(join(jdk, 'bin', 'java'), 0o755);
      vi.stubEnv('ES_JAVA_HOME', jdk);
      vi.stubEnv('ELASTICSEARCH_TEST_VERSION', '0.0.0-not-fetched');
      const [outcome] = await new LocalServers().start(['elasticsearch']);
      expect(outcome).toEqual({
        server: 'elasticsearch',
        started: false,
        reason: expect.stringMatching(/^the Elasticsearch 0\.0\.0-not-fetched distribution is not in \.cache\/elasticsearch\/ .*fetch\) \(the elasticsearch server needs Java 17/),
      });
    } finally {
      rmSync(jdk, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { DEMO_SECRET_PREFIX, LocalServers } from '../../../examples/reviews-service/local-servers.js';

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

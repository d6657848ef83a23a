import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import '../helpers/mongo-servers.js';
import { runTsChild } from '../helpers/run-child.js';

const mongo = inject('mongo');
const algolia = inject('algolia');
const fixture = fileURLToPath(new URL('../fixtures/mongo-algolia-use-and-dispose.ts', import.meta.url));

describe('a process that uses MongoDB and Algolia and disposes the container', () => {
  // An open MongoClient keeps a process alive (its monitor), so this fails if disposal leaves the client open.
  it('exits on its own with no handle left open', async () => {
    const outcome = await runTsChild(fixture, {
      ...process.env,
      MONGODB_URL: `${mongo.url}exit_test`,
      ALGOLIA_APP_ID: algolia.appId,
      ALGOLIA_WRITE_API_KEY: algolia.writeApiKey,
      ALGOLIA_HOSTS: algolia.url,
    });
    expect(outcome.signal, `child was killed by the guard; stderr: ${outcome.stderr}`).toBeNull();
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(JSON.parse(outcome.stdout.trim())).toEqual({ pid: outcome.pid, nbHits: 1, mongodb: 'closed', algolia: 'closed' });
  });
});

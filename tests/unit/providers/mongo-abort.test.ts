import { describe, expect, it } from 'vitest';
import { createDbContainer } from '../../../src/container.js';
import { DisposedError, ProviderError } from '../../../src/errors.js';
import { MongoProvider } from '../../../src/providers/mongo.js';
import { captureLogs } from '../../helpers/logs.js';

describe('MongoProvider connect retries and disposal', () => {
  it('disposal ends every pending connect() at once, including its backoff sleep, and nothing dials afterwards', async () => {
    const c = createDbContainer({
      env: {
        MONGODB_URL: 'mongodb://127.0.0.1:1/db',
        MONGODB_SERVER_SELECTION_TIMEOUT_MS: '100',
        MONGODB_RETRY_RETRIES: '10',
        MONGODB_RETRY_INITIAL_DELAY_MS: '5000',
        MONGODB_RETRY_MAX_DELAY_MS: '5000',
      },
      logger: captureLogs().logger,
    });
    const mongo = c.resolve(MongoProvider);
    const first = mongo.connect().then(() => 'connected', (error: unknown) => error);
    const second = mongo.connect().then(() => 'connected', (error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the first attempt failed; both wait in the 5 s backoff
    const started = Date.now();
    await c.dispose();
    const [a, b] = await Promise.all([first, second]);
    expect(Date.now() - started).toBeLessThan(2000); // far below the 5 s backoff: the sleep was aborted
    expect(a).toBeInstanceOf(ProviderError);
    expect(b).toBeInstanceOf(ProviderError);
    expect(a).toBeInstanceOf(DisposedError);
    expect((a as Error).message).toBe('[mongodb] connect aborted: the provider was disposed while it was connecting');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap')).toEqual([]);
  });
});

// Issue 20, part 5: a ProviderError always has a message. A client failure without one (the Elasticsearch client's
// ResponseError for a 431, thrown when a 200 kB API key did not fit the request headers) used to give
// "[elasticsearch] connect failed: " and nothing else.
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { ContainerLifecycle } from '../../src/lifecycle/container-lifecycle.js';
import { LazyProvider } from '../../src/lifecycle/lazy-provider.js';
import type { Logger } from '../../src/providers/logger.js';
import { captureLogs } from '../helpers/logs.js';

/** What the Elasticsearch client rejects with for an HTTP error whose body is empty. */
class ResponseError extends Error {
  override name = 'ResponseError';
  readonly meta = { statusCode: 431 };
}

describe('ProviderError', () => {
  it.each([
    ['', undefined, '[elasticsearch] failed without a message'],
    ['   ', new TypeError(''), '[elasticsearch] failed without a message (TypeError)'],
    ['', Object.assign(new Error(''), { code: 'ECONNRESET' }), '[elasticsearch] failed without a message (Error, ECONNRESET)'],
    ['', new ResponseError(''), '[elasticsearch] failed without a message (ResponseError, HTTP 431)'],
    ['connect failed: ', new ResponseError(''), '[elasticsearch] connect failed: no message (ResponseError, HTTP 431)'],
    ['connect failed: refused', new TypeError('refused'), '[elasticsearch] connect failed: refused'],
  ])('message %j with cause %s: %s', (message, cause, expected) => {
    const error = new ProviderError('elasticsearch', message, cause === undefined ? undefined : { cause });
    expect(error.message).toBe(expected);
    expect(error.provider).toBe('elasticsearch');
  });

  it('names only the class and code of the cause, never its text', () => {
    const cause = Object.assign(new Error(''), { name: 'Zq9 secret name', code: 'has spaces and Zq9secret' });
    expect(new ProviderError('redis', '', { cause }).message).toBe('[redis] failed without a message (Error)');
  });

  it('a provider whose client fails without a message: connect() rejects with a ProviderError that says so', async () => {
    class Failing extends LazyProvider<object> {
      constructor(lifecycle: ContainerLifecycle, logger: Logger) {
        super('elasticsearch', 'search', logger, lifecycle);
      }
      get isConfigured(): boolean {
        return true;
      }
      protected createClient() {
        return {};
      }
      protected openClient(): Promise<void> {
        return Promise.reject(new ResponseError(''));
      }
      protected async pingClient(): Promise<void> {}
      protected async closeClient(): Promise<void> {}
      protected destroyClient(): void {}
    }
    const logs = captureLogs();
    const lifecycle = new ContainerLifecycle(1000, logs.logger);
    const provider = new Failing(lifecycle, logs.logger);
    await expect(provider.connect()).rejects.toThrow(/^\[elasticsearch\] connect failed: no message \(ResponseError, HTTP 431\)$/);
    await lifecycle.dispose();
  });
});

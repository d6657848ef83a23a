import 'reflect-metadata';
import type { MongoClient } from 'mongodb';
import { getDefaultContainer, MongoProvider } from '../index.js';

const ready = new WeakMap<MongoProvider, Promise<MongoClient>>();

/**
 * The shared `MongoClient` of the default container, connected (with the retry policy) and pinged. Importing this
 * module connects nothing; the first call does, later calls reuse that result (a failed attempt is forgotten, so the
 * next call tries again). Dispose the default container (or use `installShutdownHooks`) to close it.
 * Every failure is a rejection, never a synchronous throw.
 * @throws {ConfigError} when neither `MONGODB_URL` nor `DATABASE_URL_ONLINE` is set.
 * @throws {ProviderError} naming `mongodb` when the server cannot be reached.
 */
export async function getMongoClient(): Promise<MongoClient> {
  const provider = getDefaultContainer().resolve(MongoProvider);
  // Throws DisposedError once the provider's disposal began, also when a connected client is cached below.
  void provider.client;
  let pending = ready.get(provider);
  if (!pending) {
    pending = (async () => {
      await provider.connect();
      await provider.client.db('admin').command({ ping: 1 });
      return provider.client;
    })();
    ready.set(provider, pending);
    pending.catch(() => ready.delete(provider));
  }
  return pending;
}

export default getMongoClient;

import type { Db, MongoClient } from 'mongodb';
import { inject, injectable } from 'tsyringe';
import { LazyProvider, LOGGER } from '../index.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import type { Logger } from '../providers/logger.js';
import { DB_LIFECYCLE } from '../tokens.js';
import { memoryMongoClient } from './memory-mongo.js';

/**
 * In-memory MongoDB with the `MongoProvider` surface. Collections support insert, find (sort, skip, limit,
 * projection), update (`$set`, `$inc`, `$push`, ... and upserts), delete, count and unique indexes; any other
 * method throws an error that names it. Each instance has its own data.
 */
@injectable()
export class FakeMongoProvider extends LazyProvider<MongoClient> {
  constructor(@inject(LOGGER) logger: Logger, @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle) {
    super('mongodb', 'stores', logger, lifecycle);
  }

  get isConfigured(): boolean {
    return true;
  }

  /** The database `name`. @default 'test' */
  db(name?: string): Db {
    return this.client.db(name);
  }

  /** Same as `db()`: the fake has no replicas. */
  readDb(name?: string): Db {
    return this.client.db(name);
  }

  protected createClient(): MongoClient {
    return memoryMongoClient();
  }

  protected async openClient(): Promise<void> {}

  protected async pingClient(client: MongoClient): Promise<void> {
    await client.db('admin').command({ ping: 1 });
  }

  protected async closeClient(client: MongoClient): Promise<void> {
    await client.close();
  }

  protected destroyClient(): void {}
}

import { getDefaultContainer, PrismaProvider, type RateCreatorPrismaClient } from '../index.js';
import { lazyClient } from './lazy-client.js';

/**
 * The shared Prisma client of the default container, built on first call (nothing connects until the first
 * query). Soft deletes are enforced on it; `hardDelete` is the escape hatch.
 * @throws {ConfigError} when `DATABASE_URL_ONLINE` is missing or invalid.
 * @throws {DisposedError} after the default container was disposed.
 */
export function getPrismaClient(): RateCreatorPrismaClient {
  return getDefaultContainer().resolve(PrismaProvider).client;
}

/** The shared client as a value; it resolves the default container on first property access, so importing connects nothing. */
export const prisma: RateCreatorPrismaClient = lazyClient(getPrismaClient);

export type { RateCreatorPrismaClient } from '../providers/prisma.js';
export default getPrismaClient;

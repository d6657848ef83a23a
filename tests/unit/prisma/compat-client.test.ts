import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { forgetDefaultContainer } from '../../helpers/default-slot.js';

// `@ratecreator/db/client` reads process.env through the default container, once per module instance; each test
// loads fresh modules so it gets its own default container.
async function load() {
  vi.resetModules();
  forgetDefaultContainer();
  const compat = await import('../../../src/compat/client.js');
  const { getDefaultContainer } = await import('../../../src/compat/default-container.js');
  const { PrismaProvider } = await import('../../../src/providers/prisma.js');
  const errors = await import('../../../src/errors.js');
  return { ...compat, getDefaultContainer, PrismaProvider, errors };
}

beforeEach(() => {
  vi.stubEnv('LOG_LEVEL', 'silent');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('@ratecreator/db/client', () => {
  it('importing it reads no environment and builds nothing, even when DATABASE_URL_ONLINE is missing', async () => {
    vi.stubEnv('DATABASE_URL_ONLINE', '');
    const api = await load();
    expect(api.default).toBe(api.getPrismaClient);
    expect(() => api.getPrismaClient()).toThrow(api.errors.ConfigError);
    expect(() => api.getPrismaClient()).toThrow(/DATABASE_URL_ONLINE/);
    expect(() => api.prisma.user).toThrow(/DATABASE_URL_ONLINE/);
    await api.getDefaultContainer().dispose();
  });

  it('getPrismaClient() returns the default container’s soft-delete client, the same one every time', async () => {
    vi.stubEnv('DATABASE_URL_ONLINE', 'mongodb://127.0.0.1:9/ratecreator');
    const api = await load();
    const provider = api.getDefaultContainer().resolve(api.PrismaProvider);
    expect(provider.isBuilt).toBe(false);
    const client = api.getPrismaClient();
    expect(provider.isBuilt).toBe(true);
    expect(api.getPrismaClient()).toBe(client);
    expect(provider.client).toBe(client);
    expect(client.$softDeleteModels).toContain('Review');
    // The lazy value forwards to the same client.
    expect(api.prisma.$softDeleteModels).toBe(client.$softDeleteModels);
    expect(typeof api.prisma.review.hardDelete).toBe('function');
    await api.getDefaultContainer().dispose();
    expect(() => api.getPrismaClient()).toThrow(/disposed/);
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { readPrismaConfig, PRISMA_VARIABLES } from '../../../src/config/prisma.js';
import { ConfigError, type ConfigIssue } from '../../../src/errors.js';

const SECRET = 'pw-Zq9-secret';

function read(env: Record<string, string>) {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const config = readPrismaConfig(env, issues, warnings);
  return { config, issues, warnings };
}

describe('Prisma configuration', () => {
  it('is absent when DATABASE_URL_ONLINE is not set', () => {
    expect(read({}).config).toBeUndefined();
    expect(read({ DATABASE_URL_ONLINE: '  ' }).config).toBeUndefined();
  });

  it('keeps the URL for the client and a credential-free target for logs', () => {
    const url = `mongodb+srv://app:${SECRET}@cluster0.example.net/ratecreator?retryWrites=true&maxPoolSize=20&tls=true`;
    const { config, issues } = read({ DATABASE_URL_ONLINE: url });
    expect(issues).toEqual([]);
    expect(config).toMatchObject({
      url,
      target: 'mongodb+srv://cluster0.example.net/ratecreator',
      database: 'ratecreator',
      urlParameters: ['retryWrites', 'maxPoolSize', 'tls'],
      logQueries: false,
      retry: { retries: 5, initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: true },
    });
    expect(config?.target).not.toContain(SECRET);
  });

  it('reads host lists, PRISMA_LOG_QUERIES and PRISMA_RETRY_*', () => {
    const { config } = read({
      DATABASE_URL_ONLINE: 'mongodb://a:1,b:2,c:3/db?replicaSet=rs0',
      PRISMA_LOG_QUERIES: 'true',
      PRISMA_RETRY_RETRIES: '0',
      PRISMA_RETRY_JITTER: 'false',
    });
    expect(config).toMatchObject({ target: 'mongodb://a:1,b:2,c:3/db', logQueries: true, retry: { retries: 0, jitter: false } });
  });

  it('reports every invalid value at once, naming the variable and never echoing it', () => {
    const error = (() => {
      try {
        loadConfig({
          DATABASE_URL_ONLINE: `mongodb://app:${SECRET}@db.example.net/?maxPoolSize=lots&tls=maybe`,
          PRISMA_LOG_QUERIES: 'sometimes',
          PRISMA_RETRY_FACTOR: '0',
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.map((issue) => issue.variable);
    expect(issues).toEqual(
      expect.arrayContaining(['DATABASE_URL_ONLINE', 'PRISMA_LOG_QUERIES', 'PRISMA_RETRY_FACTOR']),
    );
    const message = (error as Error).message;
    expect(message).toMatch(/Prisma needs the database name/);
    expect(message).toMatch(/maxPoolSize to be an integer/);
    expect(message).toMatch(/tls to be true or false/);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('lots');
  });

  it('rejects URLs that are not MongoDB connection strings', () => {
    for (const url of ['postgres://u:p@h/db', 'mongodb:/h/db', 'not a url']) {
      expect(read({ DATABASE_URL_ONLINE: url }).issues.map((issue) => issue.variable)).toEqual(['DATABASE_URL_ONLINE']);
    }
  });

  it('warns about parameters MongoDB ignores, replica reads, and switched-off certificate checks', () => {
    const { warnings, issues } = read({
      DATABASE_URL_ONLINE: 'mongodb://h/db?connection_limit=5&pool_timeout=10&readPreference=secondary&tlsAllowInvalidCertificates=true',
    });
    expect(issues).toEqual([]);
    expect(warnings).toEqual([
      'DATABASE_URL_ONLINE: connection_limit does not apply to MongoDB; use maxPoolSize',
      'DATABASE_URL_ONLINE: pool_timeout does not apply to MongoDB; use waitQueueTimeoutMS',
      expect.stringMatching(/readPreference other than primary/),
      expect.stringMatching(/tlsAllowInvalidCertificates=true switches off TLS certificate verification/),
    ]);
  });

  it('is part of DbConfig and lists its variables', () => {
    expect(loadConfig({ DATABASE_URL_ONLINE: 'mongodb://127.0.0.1/db' }).prisma?.database).toBe('db');
    expect(loadConfig({}).prisma).toBeUndefined();
    expect(PRISMA_VARIABLES).toEqual(expect.arrayContaining(['DATABASE_URL_ONLINE', 'PRISMA_LOG_QUERIES', 'PRISMA_RETRY_RETRIES']));
  });
});

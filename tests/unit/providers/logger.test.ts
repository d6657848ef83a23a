import { describe, expect, it } from 'vitest';
import { stripUrlCredentials } from '../../../src/providers/logger.js';
import { captureLogs } from '../../helpers/logs.js';

const SECRET = 'hunter2-secret';

describe('logger redaction', () => {
  it('redacts passwords, API keys, TLS keys and SASL secrets at any of the first three levels', () => {
    const { logger, text } = captureLogs();
    logger.info({ password: SECRET, redis: { password: SECRET, sentinelPassword: SECRET } }, 'a');
    logger.info({ options: { algolia: { apiKey: SECRET } } }, 'b');
    logger.info({ tls: { key: SECRET, ca: 'public-ca' }, kafka: { sasl: { mechanism: 'plain', password: SECRET } } }, 'c');
    logger.info({ headers: { 'x-algolia-api-key': SECRET } }, 'd');
    expect(text()).not.toContain(SECRET);
    expect(text()).toContain('public-ca');
    expect(text()).toContain('[Redacted]');
  });

  it('strips credentials from URLs in fields, messages and errors but keeps the rest', () => {
    const { logger, lines } = captureLogs();
    logger.info({ url: `mongodb+srv://admin:${SECRET}@cluster0.example.net/db` }, 'field');
    logger.info(`connecting to redis://user:${SECRET}@cache:6379/0`);
    logger.error({ err: new Error(`failed to reach rediss://:${SECRET}@cache:6380`) }, 'error');
    const all = lines.join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).toContain('mongodb+srv://***@cluster0.example.net/db');
    expect(all).toContain('redis://***@cache:6379/0');
    expect(all).toContain('rediss://***@cache:6380');
  });

  it('drops the arguments of a failed command (an AUTH error carries the password)', () => {
    const { logger, text } = captureLogs();
    const error = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      command: { name: 'auth', args: ['app', SECRET] },
    });
    logger.warn({ err: error }, 'connection error');
    expect(text()).not.toContain(SECRET);
    expect(text()).toContain('WRONGPASS');
  });

  it('redacts at any depth, and keeps a plain `key` (a Redis key) outside TLS settings', () => {
    const { logger, text } = captureLogs();
    logger.info({ a: { b: { c: { d: { password: SECRET } } } }, key: 'rating:account-1', options: { tls: { key: SECRET } } }, 'deep');
    expect(text()).not.toContain(SECRET);
    expect(text()).toContain('rating:account-1');
  });

  it('stripUrlCredentials leaves text without credentials untouched', () => {
    expect(stripUrlCredentials('redis://cache:6379 and a@b')).toBe('redis://cache:6379 and a@b');
    expect(stripUrlCredentials('kafka://u:p@h:1,redis://x@y')).toBe('kafka://***@h:1,redis://***@y');
  });
});

import { describe, expect, it } from 'vitest';
import { parseAlgoliaHosts } from '../../../src/config/algolia.js';
import { loadConfig } from '../../../src/config/index.js';
import { configError } from '../../helpers/config-error.js';

describe('loadConfig: Algolia section', () => {
  it('is absent when nothing is set', () => {
    expect(loadConfig({}).algolia).toBeUndefined();
  });

  it('has documented defaults', () => {
    expect(loadConfig({ ALGOLIA_APP_ID: 'APP1', ALGOLIA_WRITE_API_KEY: 'w-key' }).algolia).toEqual({
      appId: 'APP1', writeApiKey: 'w-key', connectTimeoutMs: 2000, readTimeoutMs: 5000, writeTimeoutMs: 30_000,
      indexPrefix: '', target: 'https://APP1.algolia.net',
    });
  });

  it('falls back to the NEXT_PUBLIC_ALGOLIA_* pair for search-only use', () => {
    const cfg = loadConfig({ NEXT_PUBLIC_ALGOLIA_APP_ID: 'WEB', NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY: 's-key' }).algolia;
    expect(cfg).toMatchObject({ appId: 'WEB', searchApiKey: 's-key' });
    expect(cfg?.writeApiKey).toBeUndefined();
    const both = loadConfig({ ALGOLIA_APP_ID: 'A', ALGOLIA_SEARCH_API_KEY: 'server', NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY: 'web' }).algolia;
    expect(both?.searchApiKey).toBe('server');
  });

  it('names the missing application id or key, never the key itself', () => {
    const noApp = configError({ ALGOLIA_WRITE_API_KEY: 'super-secret-key' });
    expect(noApp.message).toMatch(/ALGOLIA_APP_ID: the application id/);
    expect(noApp.message).not.toContain('super-secret-key');
    expect(configError({ ALGOLIA_APP_ID: 'A' }).message).toMatch(/ALGOLIA_WRITE_API_KEY: an API key/);
  });

  it.each([
    ['ALGOLIA_HOSTS', 'ftp://x', /ALGOLIA_HOSTS: comma-separated http\(s\):\/\/host\[:port\] list/],
    ['ALGOLIA_HOSTS', 'http://h:99999', /ALGOLIA_HOSTS/],
    ['ALGOLIA_READ_TIMEOUT_MS', '0', /ALGOLIA_READ_TIMEOUT_MS: milliseconds, an integer >= 1/],
    ['ALGOLIA_CONNECT_TIMEOUT_MS', 'fast', /ALGOLIA_CONNECT_TIMEOUT_MS/],
  ])('%s=%s is reported by name', (variable, value, expected) => {
    expect(configError({ ALGOLIA_APP_ID: 'A', ALGOLIA_WRITE_API_KEY: 'k', [variable]: value }).message).toMatch(expected);
  });

  it('parses ALGOLIA_HOSTS in order, https by default, and shows them as the target', () => {
    expect(parseAlgoliaHosts('http://127.0.0.1:8080, proxy.example.com ,https://[::1]:9443/')).toEqual([
      { url: '127.0.0.1', protocol: 'http', port: 8080 },
      { url: 'proxy.example.com', protocol: 'https' },
      { url: '[::1]', protocol: 'https', port: 9443 },
    ]);
    const cfg = loadConfig({ ALGOLIA_APP_ID: 'A', ALGOLIA_WRITE_API_KEY: 'k', ALGOLIA_HOSTS: 'http://127.0.0.1:8080,h2' }).algolia;
    expect(cfg?.target).toBe('http://127.0.0.1:8080,https://h2');
  });
});

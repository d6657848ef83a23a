// `ratecreator-db search-indices`: help and usage errors without reading the environment (run through `main`, as
// the bin runs them), a missing or invalid Elasticsearch configuration exits 2 naming the variable and printing no
// secret, and the report's text. No node is dialled here (tests/integration/search-indices.int.test.ts does).
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSearchIndices, indexStatus, searchIndicesCommand, type SearchIndicesResult } from '../../../src/cli/search-indices.js';
import { runCli as run } from '../../helpers/cli.js';

const API_KEY = 'c2VhcmNoLWluZGljZXM6dW5pdC10ZXN0LWtleS12YWx1ZQ==';
const PASSWORD = 'search-indices-unit-password-7c1';
const emptyDir = mkdtempSync(join(tmpdir(), 'search-indices-')); // no .env here

afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

async function command(env: Record<string, string>, args: string[] = [], cwd = emptyDir): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await searchIndicesCommand(args, { env, cwd, write: (text) => (out += text) });
  return { code, out };
}

const OPTIONS = ['--create', '--json', '--timeout-ms'];

describe('ratecreator-db search-indices --help', () => {
  it.each(['--help', '-h', '--json --help', '--create -h', '--bogus -h'])('%s prints the usage and exits 0', async (flags) => {
    const { code, out } = await run('search-indices', ...flags.split(' '));
    expect(code).toBe(0);
    expect(out.startsWith('usage: ratecreator-db search-indices ')).toBe(true);
  });

  it('names every option in the synopsis and describes it, with the exit codes', async () => {
    const { out } = await run('search-indices', '--help');
    const synopsis = out.split('\n')[0]!;
    expect(synopsis).toBe('usage: ratecreator-db search-indices [--create] [--json] [--timeout-ms <ms>]');
    const described = out.slice(out.indexOf('\noptions:\n'));
    for (const option of OPTIONS) expect(described).toMatch(new RegExp(`^  ${option}\\b.*\\S`, 'm'));
    expect(described).toMatch(/^ {2}-h, --help\b/m);
    const documented = [...described.matchAll(/^ {2}(--[a-z-]+)/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...OPTIONS].sort());
    const exitCodes = out.slice(out.indexOf('\nexit codes:\n'));
    expect(out).toContain('\nexit codes:\n');
    for (const exitCode of [0, 1, 2]) expect(exitCodes).toMatch(new RegExp(`^  ${exitCode}  \\S`, 'm'));
    expect(out).toContain('ELASTIC_ACCOUNTS_INDEX');
    expect(out).toContain('(default 15000)');
  });

  it('`help search-indices` prints the same usage, and the top-level usage lists the command', async () => {
    const [direct, viaHelp, top] = [await run('search-indices', '--help'), await run('help', 'search-indices'), await run('--help')];
    expect(viaHelp).toEqual({ code: 0, out: direct.out });
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/^ {2}search-indices\s+\S/m);
    // The summaries stay aligned with the longest command name.
    const columns = top.out.split('\n').filter((line) => /^ {2}[a-z-]+ +\S/.test(line)).map((line) => line.search(/(?<=^ {2}[a-z-]+ +)\S/));
    expect(new Set(columns).size).toBe(1);
  });

  it.each([
    ['--bogus', 'unknown option "--bogus"'],
    ['-x', 'unknown option "-x"'],
    ['stray', 'unknown argument "stray"'],
    ['--create=yes', 'unknown option "--create=yes"'],
    ['--json=yes', 'unknown option "--json=yes"'],
    ['--schema x', 'unknown option "--schema"'],
    ['--timeout-ms', '--timeout-ms expects a positive number'],
    ['--timeout-ms 0', '--timeout-ms expects a positive number'],
    ['--timeout-ms -5', '--timeout-ms expects a positive number'],
    ['--timeout-ms=abc', '--timeout-ms expects a positive number'],
    ['--create --timeout-ms --json', '--timeout-ms expects a positive number'],
  ])('%s exits 2 with "%s" and the usage, before reading the environment', async (argv, message) => {
    const { code, out } = await run('search-indices', ...argv.split(' '));
    expect(code).toBe(2);
    expect(out).toContain(message);
    expect(out).toContain('usage: ratecreator-db search-indices ');
  });
});

describe('ratecreator-db search-indices without a usable configuration', () => {
  it('no Elasticsearch configured: exits 2 naming ELASTIC_NODE, in both formats', async () => {
    const text = await command({});
    expect(text.code).toBe(2);
    expect(text.out).toMatch(/^search-indices failed: Elasticsearch is not configured:\n {2}- ELASTIC_NODE: /);
    const json = await command({}, ['--json', '--create']);
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.out) as { ok: boolean; error: string };
    expect(parsed.ok).toBe(false);
    expect(parsed.error).toMatch(/ELASTIC_NODE/);
  });

  it('credentials without a node: exits 2 naming ELASTIC_NODE, and neither the API key nor the password is printed', async () => {
    for (const env of [{ ELASTIC_API_KEY: API_KEY }, { ELASTIC_USERNAME: 'elastic', ELASTIC_PASSWORD: PASSWORD }] as Record<string, string>[]) {
      for (const args of [[], ['--json'], ['--create']]) {
        const { code, out } = await command(env, args);
        expect({ env: Object.keys(env), args, code }).toEqual({ env: Object.keys(env), args, code: 2 });
        expect(out).toMatch(/ELASTIC_NODE/);
        expect(out).not.toContain(API_KEY);
        expect(out).not.toContain(PASSWORD);
      }
    }
  });

  it('an invalid Elasticsearch variable: exits 2 naming it', async () => {
    const { code, out } = await command({ ELASTIC_NODE: 'http://127.0.0.1:9', ELASTIC_API_KEY: API_KEY, ELASTIC_ACCOUNTS_INDEX: 'Not An Index' });
    expect(code).toBe(2);
    expect(out).toMatch(/ELASTIC_ACCOUNTS_INDEX/);
    expect(out).not.toContain(API_KEY);
  });

  it('reads .env in the working directory (the variables already set win)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-indices-env-'));
    try {
      writeFileSync(join(dir, '.env'), `ELASTIC_API_KEY=${API_KEY}\nELASTIC_ACCOUNTS_INDEX=Bad Name\n`);
      const fromFile = await command({}, [], dir);
      expect(fromFile.code).toBe(2);
      expect(fromFile.out).toMatch(/ELASTIC_NODE: node URLs or ELASTIC_CLOUD_ID \(required because Elasticsearch credentials are set\)/);
      expect(fromFile.out).not.toContain(API_KEY);
      // The environment's valid index name wins over the file's invalid one.
      const overridden = await command({ ELASTIC_ACCOUNTS_INDEX: 'accounts' }, [], dir);
      expect(overridden.out).not.toMatch(/ELASTIC_ACCOUNTS_INDEX/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('formatSearchIndices', () => {
  const base = { ok: true, create: false, target: 'http://127.0.0.1:9200' };

  it('every index exists as documented: one line each and a summary', () => {
    const result: SearchIndicesResult = {
      ...base,
      indices: [
        { role: 'accounts', index: 'accounts', state: 'exists', differences: [], ok: true },
        { role: 'categories', index: 'categories', state: 'exists', differences: [], ok: true },
      ],
    };
    expect(formatSearchIndices(result)).toBe(
      [
        'Search indices on http://127.0.0.1:9200 (check only):',
        'exists   accounts   accounts',
        'exists   categories categories',
        '',
        'All 2 indices have the documented mappings.',
      ].join('\n'),
    );
  });

  it('created, missing and differing indices, with the differing fields', () => {
    const created: SearchIndicesResult = {
      ...base,
      create: true,
      indices: [
        { role: 'accounts', index: 'accounts', state: 'created', differences: [], ok: true },
        { role: 'categories', index: 'categories', state: 'exists', differences: [], ok: true },
      ],
    };
    expect(formatSearchIndices(created)).toMatch(/^Search indices on http:\/\/127\.0\.0\.1:9200:\ncreated  accounts/);
    expect(formatSearchIndices(created)).toContain('All 2 indices have the documented mappings (1 created).');

    const broken: SearchIndicesResult = {
      ...base,
      ok: false,
      indices: [
        { role: 'accounts', index: 'accounts-v2', state: 'exists', differences: ['followerCount: type keyword, expected long'], ok: false },
        { role: 'categories', index: 'categories', state: 'missing', differences: [], ok: false },
      ],
    };
    expect(broken.indices.map(indexStatus)).toEqual(['differs', 'missing']);
    const text = formatSearchIndices(broken);
    expect(text).toContain('differs  accounts   accounts-v2\n           followerCount: type keyword, expected long\n');
    expect(text).toContain('missing  categories categories\n');
    expect(text).toContain('1 of 2 indices missing: `ratecreator-db search-indices --create` creates them.');
    expect(text).toContain('1 of 2 indices differ from the documented mappings');
  });
});

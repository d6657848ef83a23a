// `ratecreator-db <command> --help`: usage on stdout and exit 0, without reading the environment or connecting;
// unknown options still exit 2. The commands run through `main`, as the bin runs them.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTsChild } from '../../helpers/run-child.js';
import { runCli as run } from '../../helpers/cli.js';

/** Each command's options, as the parser accepts them. */
const OPTIONS = {
  doctor: ['--json', '--timeout-ms'],
  indexes: ['--json', '--schema', '--timeout-ms'],
} as const;

describe.each(Object.entries(OPTIONS))('ratecreator-db %s --help', (command, options) => {
  it.each(['--help', '-h', '--json --help', '--bogus -h'])('%s prints the usage and exits 0', async (flags) => {
    const { code, out } = await run(command, ...flags.split(' '));
    expect(code).toBe(0);
    expect(out.startsWith(`usage: ratecreator-db ${command} `)).toBe(true);
  });

  it('names every option in the synopsis and describes it, with the exit codes', async () => {
    const { out } = await run(command, '--help');
    const synopsis = out.split('\n')[0]!;
    const described = out.slice(out.indexOf('\noptions:\n'));
    expect(out).toContain('\noptions:\n');
    for (const option of options) {
      expect(synopsis).toContain(`[${option}`);
      expect(described).toMatch(new RegExp(`^  ${option}\\b.*\\S`, 'm'));
    }
    expect(described).toMatch(/^ {2}-h, --help\b/m);
    // Nothing documented that the parser does not take.
    const documented = [...described.matchAll(/^ {2}(--[a-z-]+)/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...options].sort());
    const exitCodes = out.slice(out.indexOf('\nexit codes:\n'));
    expect(out).toContain('\nexit codes:\n');
    for (const exitCode of [0, 1, 2]) expect(exitCodes).toMatch(new RegExp(`^  ${exitCode}  \\S`, 'm'));
  });

  it('`help <command>` prints the same usage and exits 0', async () => {
    const [direct, viaHelp] = [await run(command, '--help'), await run('help', command)];
    expect(viaHelp).toEqual({ code: 0, out: direct.out });
  });

  it.each([
    ['--bogus', 'unknown option "--bogus"'],
    ['-x', 'unknown option "-x"'],
    ['stray', 'unknown argument "stray"'],
    ['--json=yes', 'unknown option "--json=yes"'],
    ['--timeout-ms', '--timeout-ms expects a positive number'],
    ['--timeout-ms 0', '--timeout-ms expects a positive number'],
    ['--timeout-ms=abc', '--timeout-ms expects a positive number'],
    ['--json --timeout-ms --json', '--timeout-ms expects a positive number'],
  ])('%s exits 2 with "%s" and the usage, before reading the environment', async (argv, message) => {
    const { code, out } = await run(command, ...argv.split(' '));
    expect(code).toBe(2);
    expect(out).toContain(message);
    expect(out).toContain(`usage: ratecreator-db ${command} `);
  });
});

describe('ratecreator-db indexes option values', () => {
  it.each(['--schema', '--schema='])('%s without a path exits 2', async (arg) => {
    const { code, out } = await run('indexes', arg);
    expect(code).toBe(2);
    expect(out).toContain('--schema expects the path of a schema.prisma');
  });
});

describe('ratecreator-db (top level)', () => {
  it.each([['--help'], ['-h'], ['help']])('%s lists the commands and how to get their help, exit 0', async (flag) => {
    const { code, out } = await run(flag);
    expect(code).toBe(0);
    expect(out).toMatch(/^usage: ratecreator-db <command>/);
    expect(out).toMatch(/^ {2}doctor\s+\S/m);
    expect(out).toMatch(/^ {2}indexes\s+\S/m);
    expect(out).toContain('<command> --help');
  });

  it('no command, an unknown command or an unknown help topic exits 2 with the usage', async () => {
    for (const argv of [[], ['bogus'], ['toString'], ['help', 'bogus'], ['help', 'doctor', 'extra']]) {
      const { code, out } = await run(...argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(out).toContain('usage: ratecreator-db <command>');
    }
  });

  it('the bin exits 0 for `indexes --help` and `doctor -h` and 2 for an unknown option, as a separate process', async () => {
    const bin = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
    const env = { PATH: process.env.PATH ?? '' };
    const [indexes, doctor, bogus] = await Promise.all([
      runTsChild(bin, env, 30_000, ['indexes', '--help']),
      runTsChild(bin, env, 30_000, ['doctor', '-h']),
      runTsChild(bin, env, 30_000, ['doctor', '--bogus']),
    ]);
    expect([indexes.code, indexes.stderr]).toEqual([0, '']);
    expect(indexes.stdout).toMatch(/^usage: ratecreator-db indexes /);
    expect([doctor.code, doctor.stderr]).toEqual([0, '']);
    expect(doctor.stdout).toMatch(/^usage: ratecreator-db doctor /);
    expect(bogus.code).toBe(2);
    expect(bogus.stdout).toContain('unknown option "--bogus"');
  });
});

#!/usr/bin/env node
import 'reflect-metadata';
import type { Env } from '../config/env.js';

/** What a subcommand gets: the environment, the working directory and where to print. */
export interface CliIo {
  readonly env: Env;
  readonly cwd: string;
  write(text: string): void;
}

const COMMANDS: Record<string, { summary: string; run: (args: readonly string[], io: CliIo) => Promise<number> }> = {
  doctor: {
    summary: 'check the configuration and connect to every configured client',
    run: async (args, io) => (await import('./doctor.js')).doctorCommand(args, io),
  },
  indexes: {
    summary: 'compare the indexes prisma/schema.prisma declares with the live database (exit 1 when they differ)',
    run: async (args, io) => (await import('./indexes.js')).indexesCommand(args, io),
  },
  'search-indices': {
    summary: 'check (--create: create) the Elasticsearch accounts and categories indices (exit 1 when missing or different)',
    run: async (args, io) => (await import('./search-indices.js')).searchIndicesCommand(args, io),
  },
};

/** The command called `name`, if there is one (own keys only: `toString` is not a command). */
function commandNamed(name: string | undefined) {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const rows = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)} ${command.summary}`);
  return (
    `usage: ratecreator-db <command> [options]\n\ncommands:\n${rows.join('\n')}\n\n` +
    'Each command takes --json for machine-readable output; `ratecreator-db <command> --help` (or\n' +
    '`ratecreator-db help <command>`) prints its options and exit codes.\n'
  );
}

/** Runs `ratecreator-db <command> ...args` and resolves to the exit code (2 for usage errors). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === 'help' && args.length > 0) {
    // `help <command>`: that command's own usage.
    const command = commandNamed(args[0]);
    if (command && args.length === 1) return command.run(['--help'], io);
    io.write(`unknown command "${args.join(' ')}"\n${usage()}`);
    return 2;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commandNamed(name);
  if (!command) {
    io.write(`unknown command "${name}"\n${usage()}`);
    return 2;
  }
  return command.run(args, io);
}

// The bin entry: the process environment is handed to the commands here, the one place the CLI reads it.
const entry = process.argv[1];
if (entry !== undefined && /(?:main\.[cm]?[jt]s|ratecreator-db(?:\.[cm]?js)?)$/.test(entry)) {
  main(process.argv.slice(2), { env: process.env, cwd: process.cwd(), write: (text) => process.stdout.write(text) }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}

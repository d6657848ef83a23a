import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Db } from 'mongodb';
import type { Env } from '../config/env.js';
import { createDbContainer } from '../container.js';
import { ConfigError, errorMessage } from '../errors.js';
import { withTimeout } from '../lifecycle/timeout.js';
import { GENERATED_CLIENT_DIR, loadGeneratedClient, packageRoot } from '../prisma/generated-client.js';
import { createLogger, stripUrlCredentials } from '../providers/logger.js';
import { parseOptions, TIMEOUT_USAGE_ERROR, timeoutOption, wantsHelp } from './options.js';
import { MongoProvider } from '../providers/mongo.js';
import { readEnvWithDotenv } from './doctor.js';
import { auditIndexes, expectedIndexes, formatIndexAudit, type DmmfDatamodel, type IndexAudit, type MongoIndex } from './index-audit.js';
import { declaredIndexes } from './schema-indexes.js';

/** Where the declared indexes were read from. */
export interface DeclaredSource {
  readonly datamodel: DmmfDatamodel;
  /** The schema file read, and whether the generated client's data model checked it. */
  readonly schema: string;
  readonly generatedClient: boolean;
}

/**
 * The declared indexes: the generated client's data model plus the schema it was generated from
 * (`generated/prisma/schema.prisma`); with `schemaPath`, that file, checked against the generated client when it
 * loads. @throws {Error} when neither is readable.
 */
export function loadDeclaredIndexes(schemaPath?: string): DeclaredSource {
  let runtimeModels: DmmfDatamodel['models'] | undefined;
  try {
    runtimeModels = loadGeneratedClient().Prisma.dmmf.datamodel.models as unknown as DmmfDatamodel['models'];
  } catch {
    runtimeModels = undefined;
  }
  const root = packageRoot() ?? '.';
  const candidates = schemaPath ? [schemaPath] : [join(root, GENERATED_CLIENT_DIR, 'schema.prisma'), join(root, 'prisma', 'schema.prisma')];
  const schema = candidates.find((file) => existsSync(file));
  if (!schema) throw new Error(`no Prisma schema at ${candidates.join(' or ')}`);
  return { datamodel: declaredIndexes(readFileSync(schema, 'utf8'), runtimeModels), schema, generatedClient: runtimeModels !== undefined };
}

/** Reads every declared collection's indexes; a collection that does not exist maps to `undefined`. */
export async function readIndexes(db: Db, collections: Iterable<string>): Promise<Map<string, MongoIndex[] | undefined>> {
  const found = new Map<string, MongoIndex[] | undefined>();
  for (const collection of collections) {
    try {
      found.set(collection, (await db.collection(collection).listIndexes().toArray()) as MongoIndex[]);
    } catch (error) {
      // 26 NamespaceNotFound: the collection does not exist (yet).
      if ((error as { code?: unknown }).code !== 26) throw error;
      found.set(collection, undefined);
    }
  }
  return found;
}

/** Audits the database of `env` against the declared indexes. */
export async function runIndexAudit(env: Env, declared: DmmfDatamodel, timeoutMs: number): Promise<IndexAudit> {
  const container = createDbContainer({ env, logger: createLogger({ level: 'silent' }) });
  try {
    const mongo = container.resolve(MongoProvider);
    if (!mongo.isConfigured) {
      throw new ConfigError([{ variable: 'MONGODB_URL or DATABASE_URL_ONLINE', expected: 'the connection string of the database to audit' }]);
    }
    await withTimeout(() => mongo.connect(), timeoutMs, 'mongodb connect');
    const db = mongo.db();
    const expected = expectedIndexes(declared);
    return auditIndexes(expected, await withTimeout(() => readIndexes(db, expected.keys()), timeoutMs, 'listIndexes'));
  } finally {
    await container.dispose();
  }
}

/** What `ratecreator-db indexes --help` prints. */
export const INDEXES_USAGE = `usage: ratecreator-db indexes [--json] [--schema <schema.prisma>] [--timeout-ms <ms>]

Compares the indexes the Prisma schema declares with those of the live database (listIndexes on every declared
collection) and prints what is missing, extra or different per collection. The database is MONGODB_URL, else
DATABASE_URL_ONLINE (.env in the working directory is read when present; variables already set win). Run it before
and after \`prisma db push\`, which drops indexes the schema does not declare.

options:
  --json                    print the audit as JSON
  --schema <schema.prisma>  the schema to read (default: the one the package's generated client was built from,
                            else the package's prisma/schema.prisma)
  --timeout-ms <ms>         time allowed to connect and to read the indexes (default 15000)
  -h, --help                print this help and exit 0

exit codes:
  0  the database has exactly the declared indexes
  1  they differ
  2  the audit could not run (no database configured, unreachable, no schema), or usage error
`;

/**
 * `ratecreator-db indexes`: compares the indexes `prisma/schema.prisma` declares with those of the live database
 * (`MONGODB_URL`, else `DATABASE_URL_ONLINE`; `.env` in the working directory is read when present).
 * Resolves to the exit code: 0 when they match, 1 when they differ, 2 when the audit could not run.
 */
export async function indexesCommand(args: readonly string[], io: { env: Env; cwd: string; write: (text: string) => void }): Promise<number> {
  if (wantsHelp(args)) {
    io.write(INDEXES_USAGE);
    return 0;
  }
  const parsed = parseOptions(args, { flags: ['--json'], values: ['--schema', '--timeout-ms'] });
  if (!parsed.ok) {
    io.write(`${parsed.error}\n${INDEXES_USAGE}`);
    return 2;
  }
  const json = parsed.flags.has('--json');
  const schemaGiven = parsed.values.has('--schema');
  const schemaOption = parsed.values.get('--schema');
  const timeoutMs = timeoutOption(parsed.values, 15_000);
  if (timeoutMs === undefined) {
    io.write(`${TIMEOUT_USAGE_ERROR}\n${INDEXES_USAGE}`);
    return 2;
  }
  if (schemaGiven && !schemaOption) {
    io.write(`--schema expects the path of a schema.prisma\n${INDEXES_USAGE}`);
    return 2;
  }
  try {
    const declared = loadDeclaredIndexes(schemaOption === undefined ? undefined : resolve(io.cwd, schemaOption));
    const audit = await runIndexAudit(readEnvWithDotenv(io.env, io.cwd), declared.datamodel, timeoutMs);
    if (json) io.write(`${JSON.stringify({ ...audit, schema: declared.schema, generatedClient: declared.generatedClient }, null, 2)}\n`);
    else io.write(`Indexes declared in ${declared.schema} against the live database:\n${formatIndexAudit(audit)}\n`);
    return audit.ok ? 0 : 1;
  } catch (error) {
    const message = stripUrlCredentials(errorMessage(error));
    io.write(json ? `${JSON.stringify({ ok: false, error: message }, null, 2)}\n` : `index audit failed: ${message}\n`);
    return 2;
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Db } from 'mongodb';
import type { Env } from '../config/env.js';
import { createDbContainer } from '../container.js';
import { ConfigError, errorMessage } from '../errors.js';
import { withTimeout } from '../lifecycle/timeout.js';
import { GENERATED_CLIENT_DIR, loadGeneratedClient, packageRoot } from '../prisma/generated-client.js';
import { createLogger, stripUrlCredentials } from '../providers/logger.js';
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

const USAGE = 'usage: ratecreator-db indexes [--json] [--schema <schema.prisma>] [--timeout-ms <ms>]\n';

/**
 * `ratecreator-db indexes`: compares the indexes `prisma/schema.prisma` declares with those of the live database
 * (`MONGODB_URL`, else `DATABASE_URL_ONLINE`; `.env` in the working directory is read when present).
 * Resolves to the exit code: 0 when they match, 1 when they differ, 2 when the audit could not run.
 */
export async function indexesCommand(args: readonly string[], io: { env: Env; cwd: string; write: (text: string) => void }): Promise<number> {
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const unknown = args.filter((arg, i) => arg.startsWith('--') && !['--json', '--schema', '--timeout-ms'].includes(arg) && args[i - 1] !== '--schema');
  const timeoutMs = Number(option('--timeout-ms') ?? 15_000);
  if (unknown.length > 0 || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || (args.includes('--schema') && !option('--schema'))) {
    io.write(USAGE);
    return 2;
  }
  const json = args.includes('--json');
  try {
    const schemaOption = option('--schema');
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

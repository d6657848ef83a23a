import type { DmmfDatamodel, DmmfIndex, DmmfModel } from './index-audit.js';

/**
 * Reads the index declarations of a Prisma schema into the shape of Prisma's DMMF `datamodel.indexes`.
 *
 * Why by hand: the generated client carries only a runtime data model (`Prisma.dmmf`: models, fields, `@map`
 * names, unique fields) without `@@index`, `map:` names or sort orders; the full DMMF is produced only inside the
 * Prisma CLI (`getDMMF`, not a public API of the packages installed here). So models and field names come from the
 * generated client when given, and the index attributes from the schema text it was generated from.
 */

/** Removes a `//` comment (outside double quotes) from a line. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"' && line[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && line[i] === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

/** Splits on commas that are not inside brackets, parentheses or quotes. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (!quoted && (char === '[' || char === '(')) depth++;
    if (!quoted && (char === ']' || char === ')')) depth--;
    if (!quoted && depth === 0 && char === ',') {
      parts.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** `[a, b(sort: Desc)], map: "X"` -> fields and named arguments. */
function parseArguments(args: string): { fields: DmmfIndex['fields']; named: Record<string, string> } {
  const named: Record<string, string> = {};
  let fields: DmmfIndex['fields'] = [];
  for (const part of splitTop(args)) {
    const namedMatch = /^(\w+)\s*:\s*(.+)$/s.exec(part);
    const list = namedMatch?.[1] === 'fields' ? namedMatch[2]! : namedMatch ? undefined : part;
    if (list !== undefined && list.startsWith('[')) {
      fields = splitTop(list.slice(1, -1)).map((item) => {
        const m = /^([\w.]+)\s*(?:\((.*)\))?$/.exec(item);
        if (!m) throw new Error(`cannot read index field "${item}"`);
        const sort = /sort\s*:\s*(\w+)/i.exec(m[2] ?? '')?.[1]?.toLowerCase();
        return { name: m[1]!, ...(sort === 'desc' || sort === 'asc' ? { sortOrder: sort } : {}) };
      });
    } else if (namedMatch) {
      named[namedMatch[1]!] = namedMatch[2]!.trim().replace(/^"(.*)"$/, '$1');
    }
  }
  return { fields, named };
}

const BLOCK_INDEX: Record<string, DmmfIndex['type']> = { index: 'normal', unique: 'unique', fulltext: 'fulltext', id: 'id' };

/**
 * Models and indexes declared in `schema` (models of other blocks, enums and composite types, are skipped).
 * When `runtimeModels` (the generated client's `Prisma.dmmf.datamodel.models`) is given, model and field names and
 * their `@map`/`@@map` names are taken from it, and a model or index field it lacks is an error: the generated
 * client does not match the schema.
 * @throws {Error} naming the line that cannot be read, or the mismatch.
 */
export function declaredIndexes(schema: string, runtimeModels?: readonly DmmfModel[]): DmmfDatamodel {
  const models: DmmfModel[] = [];
  const indexes: DmmfIndex[] = [];
  let current: { name: string; dbName?: string; fields: { name: string; dbName?: string }[] } | undefined;
  let skipping = false;
  for (const [number, raw] of schema.split('\n').entries()) {
    const line = stripComment(raw).trim();
    if (line === '') continue;
    const where = `schema line ${number + 1}`;
    if (!current && !skipping) {
      const open = /^(model|enum|type|view|generator|datasource)\s+(\w+)\s*\{$/.exec(line);
      if (open?.[1] === 'model') current = { name: open[2]!, fields: [] };
      else if (open) skipping = true;
      continue;
    }
    if (line === '}') {
      if (current) models.push({ name: current.name, dbName: current.dbName ?? null, fields: current.fields });
      current = undefined;
      skipping = false;
      continue;
    }
    if (skipping || !current) continue;
    const block = /^@@(\w+)\((.*)\)$/.exec(line);
    if (block) {
      if (block[1] === 'map') current.dbName = parseArguments(block[2]!).named.name ?? block[2]!.replace(/^"(.*)"$/, '$1');
      const type = BLOCK_INDEX[block[1]!];
      if (type) {
        const { fields, named } = parseArguments(block[2]!);
        if (fields.length === 0) throw new Error(`${where}: @@${block[1]} without fields`);
        indexes.push({ model: current.name, type, dbName: named.map ?? null, fields });
      }
      continue;
    }
    const field = /^(\w+)\s+\S+(.*)$/.exec(line);
    if (!field) throw new Error(`${where}: cannot read "${line}"`);
    const [, name = '', attributes = ''] = field;
    const mapped = /@map\(\s*(?:name\s*:\s*)?"([^"]+)"\s*\)/.exec(attributes)?.[1];
    current.fields.push({ name, ...(mapped ? { dbName: mapped } : {}) });
    const unique = /@unique(?:\(([^)]*)\))?/.exec(attributes);
    if (unique) {
      const { named } = parseArguments(unique[1] ?? '');
      const sort = named.sort?.toLowerCase();
      indexes.push({ model: current.name, type: 'unique', dbName: named.map ?? null, fields: [{ name, ...(sort === 'desc' ? { sortOrder: 'desc' as const } : {}) }] });
    }
  }
  if (current) throw new Error(`model ${current.name} is not closed`);
  if (!runtimeModels) return { models, indexes };

  for (const model of models) {
    const runtime = runtimeModels.find((candidate) => candidate.name === model.name);
    if (!runtime) throw new Error(`model ${model.name} is not in the generated client: generate it again`);
  }
  for (const index of indexes) {
    const runtime = runtimeModels.find((candidate) => candidate.name === index.model)!;
    for (const field of index.fields) {
      const head = field.name.split('.')[0];
      if (!runtime.fields.some((candidate) => candidate.name === head)) {
        throw new Error(`field ${index.model}.${head} of an index is not in the generated client: generate it again`);
      }
    }
  }
  return { models: runtimeModels.filter((model) => models.some((m) => m.name === model.name)), indexes };
}

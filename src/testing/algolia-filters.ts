/** A stored record of the local Algolia server. */
export type AlgoliaRecord = Record<string, unknown> & { objectID: string };

/** A compiled filter: true when the record passes. */
export type RecordFilter = (record: AlgoliaRecord) => boolean;

/** Thrown for a filter the local server cannot parse; the server answers 400 with its message. */
export class FilterSyntaxError extends Error {}

/** The value at a dotted path (`author.name`). */
export function valueAt(record: Record<string, unknown>, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function values(record: AlgoliaRecord, attribute: string): unknown[] {
  const value = valueAt(record, attribute);
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Facet equality as Algolia applies it: case-insensitive, any element of an array attribute. */
export function facetEquals(record: AlgoliaRecord, attribute: string, expected: string): boolean {
  const wanted = expected.toLowerCase();
  return values(record, attribute).some((value) => String(value).toLowerCase() === wanted);
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
};

function numeric(record: AlgoliaRecord, attribute: string, test: (n: number) => boolean): boolean {
  return values(record, attribute).some((value) => typeof value === 'number' && test(value));
}

type Token = { kind: 'word'; text: string; quoted: boolean } | { kind: 'op' | '(' | ')' | ':'; text: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\()|(\))|(<=|>=|!=|<|>|=)|(:)|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s()<>=!:"']+))/y;
  let index = 0;
  while (index < input.length) {
    if (/^\s*$/.test(input.slice(index))) break;
    pattern.lastIndex = index;
    const m = pattern.exec(input);
    if (!m) throw new FilterSyntaxError(`filters: unexpected character at position ${index}`);
    index = pattern.lastIndex;
    if (m[1]) tokens.push({ kind: '(', text: '(' });
    else if (m[2]) tokens.push({ kind: ')', text: ')' });
    else if (m[3]) tokens.push({ kind: 'op', text: m[3] });
    else if (m[4]) tokens.push({ kind: ':', text: ':' });
    else if (m[5] !== undefined || m[6] !== undefined) {
      tokens.push({ kind: 'word', text: (m[5] ?? m[6] ?? '').replace(/\\(.)/g, '$1'), quoted: true });
    } else tokens.push({ kind: 'word', text: m[7] ?? '', quoted: false });
  }
  return tokens;
}

/**
 * Compiles an Algolia `filters` string: `attr:value`, `attr:"a value"`, `attr > 3`, `attr:1 TO 9`, a bare tag
 * (matched against `_tags`), combined with `AND`, `OR`, `NOT` and parentheses.
 * @throws {FilterSyntaxError} for anything else.
 */
export function compileFilters(input: string): RecordFilter {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const keyword = (word: string) => {
    const token = peek();
    return token?.kind === 'word' && !token.quoted && token.text === word;
  };
  const word = (what: string): string => {
    const token = tokens[pos++];
    if (token?.kind !== 'word') throw new FilterSyntaxError(`filters: expected ${what}`);
    return token.text;
  };

  const comparison = (): RecordFilter => {
    const attribute = word('an attribute');
    const next = peek();
    if (next?.kind === ':') {
      pos += 1;
      const low = word('a value');
      if (keyword('TO')) {
        pos += 1;
        const from = Number(low);
        const to = Number(word('an upper bound'));
        if (Number.isNaN(from) || Number.isNaN(to)) throw new FilterSyntaxError('filters: TO needs numbers');
        return (record) => numeric(record, attribute, (n) => n >= from && n <= to);
      }
      return (record) => facetEquals(record, attribute, low);
    }
    if (next?.kind === 'op') {
      pos += 1;
      const bound = Number(word('a number'));
      const compare = COMPARE[next.text];
      if (Number.isNaN(bound) || !compare) throw new FilterSyntaxError('filters: a numeric comparison needs a number');
      return (record) => numeric(record, attribute, (n) => compare(n, bound));
    }
    return (record) => facetEquals(record, '_tags', attribute);
  };

  const unary = (): RecordFilter => {
    if (keyword('NOT')) {
      pos += 1;
      const inner = unary();
      return (record) => !inner(record);
    }
    if (peek()?.kind === '(') {
      pos += 1;
      const inner = or();
      if (tokens[pos++]?.kind !== ')') throw new FilterSyntaxError('filters: missing )');
      return inner;
    }
    return comparison();
  };

  const and = (): RecordFilter => {
    const parts = [unary()];
    while (keyword('AND')) {
      pos += 1;
      parts.push(unary());
    }
    return parts.length === 1 ? parts[0]! : (record) => parts.every((part) => part(record));
  };

  function or(): RecordFilter {
    const parts = [and()];
    while (keyword('OR')) {
      pos += 1;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : (record) => parts.some((part) => part(record));
  }

  if (tokens.length === 0) return () => true;
  const filter = or();
  if (pos < tokens.length) throw new FilterSyntaxError(`filters: unexpected "${tokens[pos]?.text ?? ''}"`);
  return filter;
}

function facetFilter(item: string): RecordFilter {
  const colon = item.indexOf(':');
  if (colon <= 0) throw new FilterSyntaxError('facetFilters: expected "attribute:value"');
  const attribute = item.slice(0, colon);
  const raw = item.slice(colon + 1);
  const negated = raw.startsWith('-');
  const value = negated ? raw.slice(1) : raw.replace(/^\\-/, '-');
  return negated ? (record) => !facetEquals(record, attribute, value) : (record) => facetEquals(record, attribute, value);
}

/** An AND of items, each a string or an OR-array of strings, as Algolia's array filters take them. */
function andOfOrs(input: unknown, compileItem: (item: string) => RecordFilter): RecordFilter {
  const list = typeof input === 'string' ? [input] : Array.isArray(input) ? input : [];
  const parts = list.map((item): RecordFilter => {
    if (!Array.isArray(item)) return compileItem(String(item));
    const options = item.map((option) => compileItem(String(option)));
    return (record) => options.some((option) => option(record));
  });
  return (record) => parts.every((part) => part(record));
}

/** Compiles `facetFilters`: `attr:value` or `attr:-value` items (see {@link andOfOrs}). */
export function compileFacetFilters(input: unknown): RecordFilter {
  return andOfOrs(input, facetFilter);
}

/** Compiles `numericFilters`: `attr op number` items (see {@link andOfOrs}). */
export function compileNumericFilters(input: unknown): RecordFilter {
  return andOfOrs(input, compileFilters);
}

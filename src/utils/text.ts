// Text helpers for slugs, names and labels. Each keeps the original package's exact behaviour, quirks included
// (they are part of what pages render and what URLs were built from).

/**
 * A URL slug: lower-cased; every character that is not a word character (`[A-Za-z0-9_]`), whitespace or `-` removed
 * (so `"Café"` -> `"caf"`); each run of whitespace becomes one `-`, runs of `-` collapse to one, then surrounding
 * whitespace is trimmed (a leading or trailing `-` stays: `"  a b  "` -> `"-a-b-"`). `"Hello World!"` ->
 * `"hello-world"`.
 */
export function toSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/\s+/g, '-')
    .replace(/-+/g, '-')
    .trim();
}

/** Upper-cases a word's first character, leaving the rest as it is. */
function upperFirst(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Upper-cases a word's first character and lower-cases the rest. */
function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

/**
 * Back from a slug: split on `-`, each part's first character upper-cased (the rest unchanged), joined with single
 * spaces. `"hello-world"` -> `"Hello World"`; `"hello--world"` -> `"Hello  World"` (the empty part stays).
 */
export function fromSlug(slug: string): string {
  return slug.split('-').map(upperFirst).join(' ');
}

/**
 * Avatar initials: `"SD"` for an empty or missing input; split on single spaces, with more than one part the
 * upper-cased first characters of the first and the last part (`"John Michael Doe"` -> `"JD"`), otherwise the
 * upper-cased first character (`"john@example.com"` -> `"J"`).
 */
export function getInitials(nameOrEmail: string | null | undefined): string {
  if (!nameOrEmail) return 'SD';
  const parts = nameOrEmail.split(' ');
  if (parts.length > 1) return (parts[0]!.charAt(0) + parts[parts.length - 1]!.charAt(0)).toUpperCase();
  return nameOrEmail.charAt(0).toUpperCase();
}

/**
 * `""` for an empty or missing text; the text unchanged when it is no longer than `maxLength`; otherwise its first
 * `maxLength - 3` characters followed by `...`, `maxLength` characters in all (`truncateText("Hello World!", 8)` ->
 * `"Hello..."`). Characters are UTF-16 code units, as `String.prototype.slice` counts them.
 */
export function truncateText(text: string | null | undefined, maxLength: number): string {
  if (!text) return '';
  if (text.length <= maxLength) return text;
  return `${text.slice(0, maxLength - 3)}...`;
}

/**
 * Lower-cases, replaces each single space with `-` (`"a  b"` -> `"a--b"`), then trims surrounding whitespace (spaces
 * became hyphens first, so `"  a "` -> `"--a-"`). Despite the name, nothing is reversed.
 */
export function reverseAndHyphenate(item: string): string {
  return item.toLowerCase().split(' ').join('-').trim();
}

/**
 * Splits on `-`: the first part gets its first character upper-cased and the rest lower-cased, every other part is
 * lower-cased; joined with spaces. `"hello-WORLD"` -> `"Hello world"`.
 */
export function capitalizeFirstLetter(item: string): string {
  return item
    .split('-')
    .map((word, index) => (index === 0 ? capitalized(word) : word.toLowerCase()))
    .join(' ');
}

/** Splits on `-`; each part's first character upper-cased, the rest lower-cased; joined with spaces. `"HELLO-world"` -> `"Hello World"`. */
export function capitalizeEachWord(item: string): string {
  return item.split('-').map(capitalized).join(' ');
}

/** The part before the first `-`, upper-cased: `"youtube-gaming"` -> `"YOUTUBE"`. */
export function splitAndCapitalize(item: string): string {
  return item.split('-', 1)[0]!.toUpperCase();
}

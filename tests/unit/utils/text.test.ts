import { describe, expect, it } from 'vitest';
import {
  capitalizeEachWord,
  capitalizeFirstLetter,
  fromSlug,
  getInitials,
  reverseAndHyphenate,
  splitAndCapitalize,
  toSlug,
  truncateText,
} from '../../../src/utils/text.js';

describe('toSlug', () => {
  it.each([
    ['Hello World!', 'hello-world'],
    ['Hello! World?', 'hello-world'],
    ['hello   world', 'hello-world'],
    ['hello---world', 'hello-world'],
    ['hello - world', 'hello-world'],
    ['hello\t\nworld', 'hello-world'],
    ['  hello world  ', '-hello-world-'], // whitespace becomes "-" before the trim: the hyphens stay
    ['', ''],
    ['Hello 123 World', 'hello-123-world'],
    ['hello_world', 'hello_world'],
    ['Café', 'caf'], // not a word character: removed, not transliterated
    ['!!!', ''],
  ])('%j -> %j', (text, slug) => {
    expect(toSlug(text)).toBe(slug);
  });
});

describe('fromSlug', () => {
  it.each([
    ['hello-world', 'Hello World'],
    ['this-is-a-test', 'This Is A Test'],
    ['hello', 'Hello'],
    ['', ''],
    ['hello--world', 'Hello  World'],
    ['mIxed-CASE', 'MIxed CASE'], // the rest of each part is unchanged
    ['-lead', ' Lead'],
  ])('%j -> %j', (slug, text) => {
    expect(fromSlug(slug)).toBe(text);
  });
});

describe('getInitials', () => {
  it('"SD" for an empty or missing input', () => {
    expect([getInitials(''), getInitials(undefined), getInitials(null)]).toEqual(['SD', 'SD', 'SD']);
  });

  it.each([
    ['John Doe', 'JD'],
    ['John Michael Doe', 'JD'],
    ['john doe', 'JD'],
    ['John', 'J'],
    ['john@example.com', 'J'],
    ['John  Doe', 'JD'], // single-space split: the empty middle part does not count as last
    ['John ', 'J'], // the last part is empty: its first character is ""
    [' John', 'J'],
  ])('%j -> %j', (name, initials) => {
    expect(getInitials(name)).toBe(initials);
  });
});

describe('truncateText', () => {
  it('"" for an empty or missing text, whatever the length', () => {
    expect([truncateText('', 10), truncateText(undefined, 10), truncateText(null, 0)]).toEqual(['', '', '']);
  });

  it('leaves a text no longer than maxLength unchanged', () => {
    expect(truncateText('Hello', 10)).toBe('Hello');
    expect(truncateText('Hello', 5)).toBe('Hello');
  });

  it('cuts a longer text to maxLength - 3 characters plus "...", maxLength in all', () => {
    expect(truncateText('Hello', 4)).toBe('H...');
    expect(truncateText('Hello World!', 8)).toBe('Hello...');
    expect(truncateText('Hello', 3)).toBe('...');
    const long = 'a'.repeat(1000);
    expect(truncateText(long, 100)).toBe(`${'a'.repeat(97)}...`);
    for (const max of [3, 4, 10, 100, 999]) expect(truncateText(long, max)).toHaveLength(max);
  });

  it('below 3, slices from the end as the original did', () => {
    expect(truncateText('Hello', 2)).toBe('Hell...');
    expect(truncateText('Hello', 0)).toBe('He...');
  });
});

describe('reverseAndHyphenate', () => {
  it.each([
    ['Hello World', 'hello-world'],
    ['Hello', 'hello'],
    ['hello   world', 'hello---world'], // each single space
    ['  hello world  ', '--hello-world--'], // spaces became hyphens before the trim
    ['Tab\tkept ', 'tab\tkept-'],
    ['', ''],
  ])('%j -> %j', (item, out) => {
    expect(reverseAndHyphenate(item)).toBe(out);
  });
});

describe('capitalizeFirstLetter', () => {
  it.each([
    ['hello-WORLD', 'Hello world'],
    ['hello-world', 'Hello world'],
    ['HELLO-WORLD', 'Hello world'],
    ['hello', 'Hello'],
    ['hello-beautiful-world', 'Hello beautiful world'],
    ['', ''],
    ['-x', ' x'],
  ])('%j -> %j', (item, out) => {
    expect(capitalizeFirstLetter(item)).toBe(out);
  });
});

describe('capitalizeEachWord', () => {
  it.each([
    ['hello-world', 'Hello World'],
    ['HELLO-WORLD', 'Hello World'],
    ['hello', 'Hello'],
    ['this-is-a-test', 'This Is A Test'],
    ['a--b', 'A  B'],
    ['', ''],
  ])('%j -> %j', (item, out) => {
    expect(capitalizeEachWord(item)).toBe(out);
  });
});

describe('splitAndCapitalize', () => {
  it.each([
    ['hello-world', 'HELLO'],
    ['hello', 'HELLO'],
    ['one-two-three', 'ONE'],
    ['HELLO-world', 'HELLO'],
    ['-world', ''],
    ['', ''],
  ])('%j -> %j', (item, out) => {
    expect(splitAndCapitalize(item)).toBe(out);
  });
});

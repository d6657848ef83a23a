// The bytes an entry is counted for against a cache's bound.

/** UTF-8 length of a string, counted without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      i++; // a surrogate pair: 4 bytes for 2 code units
      bytes += 2;
    } else if (code >= 0x800) bytes += 2;
    else if (code >= 0x80) bytes += 1;
  }
  return bytes;
}

/**
 * The bytes a record is counted for: its JSON in UTF-8 (what the original package measured), plus the size field.
 * Only the record being written is serialized.
 * @throws TypeError when the record cannot be serialized (a BigInt, a cycle)
 */
export function recordSize(record: Record<string, unknown>): number {
  return utf8Length(JSON.stringify(record) ?? '') + ',"size":'.length + 16;
}

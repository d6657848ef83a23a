// The error a cache reports (to onError, or in its one console.warn) when IndexedDB fails it.

/** `Name: message` of a DOMException or Error, else its string. */
export function describe(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'name' in error) {
    const { name, message } = error as { name: unknown; message?: unknown };
    return message ? `${String(name)}: ${String(message)}` : String(name);
  }
  return String(error);
}

/** The failure of an IndexedDB request or transaction, as an Error with the DOMException's name. */
export class IndexedDbError extends Error {
  constructor(operation: string, cause: unknown) {
    super(`IndexedDB ${operation} failed (${describe(cause)})`, { cause });
    this.name = 'IndexedDbError';
  }
}

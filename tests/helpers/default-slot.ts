/**
 * Forgets the default container (it lives on `globalThis`, so that reloaded modules keep it, see
 * src/compat/default-container.ts), as a new process would. Test files call it where they used to rely on
 * `vi.resetModules()` alone for a fresh default container; the setup file calls it before each test file.
 */
export function forgetDefaultContainer(): void {
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('@ratecreator/db:default-container')];
}

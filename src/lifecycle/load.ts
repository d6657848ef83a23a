/**
 * `require` bound to this package, for the client libraries that are loaded on first use only. The require function
 * itself is made on first call too: `import.meta` and `createRequire` cost start-up to every process otherwise.
 *
 * Node built-ins are reached the same lazy way (`process.getBuiltinModule`, Node >= 20.16) rather than by a static
 * `import`: importing a built-in into an ES module builds a namespace of all its exports when the package loads
 * (node:fs also loads its stream classes), which cost ~0.75 ms of every process start for the five built-ins used.
 */
let bound: NodeJS.Require | undefined;
const packageRequire = (): NodeJS.Require => (bound ??= process.getBuiltinModule('node:module').createRequire(import.meta.url));

/** `require(id)` from this package's location. */
export const load = Object.assign((id: string): unknown => packageRequire()(id), {
  /** `require.resolve(id)` from this package's location. */
  resolve: (id: string): string => packageRequire().resolve(id),
});

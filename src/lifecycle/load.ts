/**
 * `require` bound to this package, for the client libraries that are loaded on first use only.
 *
 * Node built-ins are reached the same lazy way (`process.getBuiltinModule`, Node >= 20.16) rather than by a static
 * `import`: importing a built-in into an ES module builds a namespace of all its exports when the package loads
 * (node:fs also loads its stream classes), which cost ~0.75 ms of every process start for the five built-ins used.
 */
export const load: NodeJS.Require = process.getBuiltinModule('node:module').createRequire(import.meta.url);

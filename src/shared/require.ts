import { createRequire } from 'node:module';

/**
 * Load an installed package through require(), not import(): the CLI is one CommonJS bundle that
 * src/cli/code-cache.ts compiles with `vm.Script`, where import() works only through an
 * experimental Node option (which warns on stderr, and which code taken from V8's cache loses).
 * Every package loaded this way ships a CommonJS build.
 */
export function requirePackage<T>(name: string): T {
  return (requireHere ??= createRequire(import.meta.url))(name) as T;
}

let requireHere: NodeJS.Require | undefined;

import { createRequire } from 'node:module';
import { requireThroughCache } from './code-cache.js';

/**
 * Load an installed package through require(), not import(): the CLI is one CommonJS bundle that
 * src/shared/code-cache.ts compiles with `vm.Script`, where import() works only through an
 * experimental Node option (which warns on stderr, and which code taken from V8's cache loses).
 * Every package loaded this way ships a CommonJS build.
 */
export function requirePackage<T>(name: string): T {
  const req = (requireHere ??= createRequire(import.meta.url));
  // In a CLI run, a package that is one script also goes through the code cache.
  return (requireThroughCache(req.resolve(name), name.replace(/[^a-z0-9]/g, '')) ?? req(name)) as T;
}

let requireHere: NodeJS.Require | undefined;

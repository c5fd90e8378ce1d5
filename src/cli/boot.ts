import path from 'node:path';
import { cacheGroup, codeCacheDir, loadBundle, saveAtExit, useCacheDirForPackages } from '../shared/code-cache.js';

/** Set by the build (scripts/build.mjs) from the dist/cli.cjs it wrote. */
declare const __SEALGUARD_CLI_SHA256__: string;
declare const __SEALGUARD_CLI_BYTES__: number;

/**
 * What bin/sealguard.js runs (as dist/boot.cjs): load the CLI bundle through the code cache
 * (src/shared/code-cache.ts) and run it; the cache of this kind of command is written as the
 * process exits (saveAtExit).
 */
export function boot(argv: readonly string[]): void {
  const bundle = { file: path.join(__dirname, 'cli.cjs'), sha256: __SEALGUARD_CLI_SHA256__, bytes: __SEALGUARD_CLI_BYTES__ };
  const dir = codeCacheDir(process.env);
  const loaded = loadBundle(bundle, cacheGroup(argv), dir);
  useCacheDirForPackages(dir);
  saveAtExit(loaded);
  (loaded.exports as { run: () => void }).run();
}

// For the tests, which load bundles in fresh processes (within one process V8 reuses what it
// compiled, whatever cache is passed).
export { cacheGroup, codeCacheDir, loadBundle } from '../shared/code-cache.js';

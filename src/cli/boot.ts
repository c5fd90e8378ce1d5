import path from 'node:path';
import { cacheGroup, codeCacheDir, loadBundle, useCacheDirForPackages } from '../shared/code-cache.js';

/** Set by the build (scripts/build.mjs) from the dist/cli.cjs it wrote. */
declare const __SEALGUARD_CLI_SHA256__: string;
declare const __SEALGUARD_CLI_BYTES__: number;

/**
 * What bin/sealguard.js runs (as dist/boot.cjs): load the CLI bundle through the code cache
 * (src/shared/code-cache.ts) and run it. The cache of this kind of command is written as the process exits,
 * when it was missing or refused, unless the command ended in a usage error (exit 2 comes mostly
 * from runs that stopped before doing their work, whose cache would hold little).
 */
export function boot(argv: readonly string[]): void {
  const bundle = { file: path.join(__dirname, 'cli.cjs'), sha256: __SEALGUARD_CLI_SHA256__, bytes: __SEALGUARD_CLI_BYTES__ };
  const dir = codeCacheDir(process.env);
  const loaded = loadBundle(bundle, cacheGroup(argv), dir);
  useCacheDirForPackages(dir);
  if (loaded.cache === 'miss' || loaded.cache === 'rejected') {
    process.once('exit', (code) => {
      if (code !== 2) loaded.save();
    });
  }
  (loaded.exports as { run: () => void }).run();
}

// For the tests, which load bundles in fresh processes (within one process V8 reuses what it
// compiled, whatever cache is passed).
export { cacheGroup, codeCacheDir, loadBundle } from '../shared/code-cache.js';

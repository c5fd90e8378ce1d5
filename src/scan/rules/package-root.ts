import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SealguardError } from '../../shared/errors.js';

let cached: string | undefined;

/**
 * The folder of sealguard's own package.json, found by walking up from this module. Works from src/
 * (vitest, tsx) and from the bundle in dist/, and whether installed globally or inside node_modules.
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
        if (parsed.name === 'sealguard') return (cached = dir);
      } catch {
        // A broken package.json of some other package: keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new SealguardError('INSTALL_BROKEN', `cannot find sealguard's package.json above ${fileURLToPath(import.meta.url)}`);
    }
    dir = parent;
  }
}

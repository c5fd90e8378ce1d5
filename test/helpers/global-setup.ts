import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * One code cache folder for the whole run (see src/shared/code-cache.ts). Many tests point HOME at a
 * temp folder and then check what that folder holds; without this, every CLI they start would
 * add ~/.cache/sealguard there. Test files that are about the cache set their own folder.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'sealguard-test-code-cache-'));
  process.env.SEALGUARD_CACHE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

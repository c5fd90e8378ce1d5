import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { installHook, uninstallHook } from '../../git/hooks.js';
import { repoRoot } from '../../git/index.js';
import type { Io } from '../io.js';

export interface InstallOptions {
  prePush?: boolean;
  uninstall?: boolean;
}

/**
 * The command the hook runs: this very installation of sealguard, by absolute path, so the hook works
 * in GUI git clients and without npx; the hook falls back to npx when that path disappears.
 */
function selfCommand(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const bin = path.join(dir, 'bin', 'sealguard.js');
    if (existsSync(bin)) return `"${process.execPath}" "${bin}"`;
    dir = path.dirname(dir);
  }
  return undefined;
}

export async function runInstall(opts: InstallOptions, io: Io): Promise<number> {
  const root = await repoRoot(io.cwd);
  const kind = opts.prePush ? 'pre-push' : 'pre-commit';
  if (opts.uninstall) {
    const result = await uninstallHook(root, kind);
    io.stdout.write(`${result.message}\n`);
    return 0;
  }
  const result = await installHook(root, kind, { command: selfCommand() });
  io.stdout.write(`${result.message}\n`);
  return 0;
}

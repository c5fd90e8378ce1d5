import { promises as fs } from 'node:fs';
import path from 'node:path';
import { atomicWrite } from '../shared/atomic-write.js';
import { SealguardError, ExitCode } from '../shared/errors.js';
import { gitPath } from './repo.js';
import { CHAINED_SUFFIX, isSealguardHook, renderHook, type HookKind } from './hook-script.js';
import { readTextIfExists } from '../shared/read-if-exists.js';

export type { HookKind } from './hook-script.js';

export interface InstallHookOptions {
  /**
   * How the hook starts sealguard, e.g. `"/usr/bin/node" "/abs/bin/sealguard.js"` or the same as
   * argv words. While its absolute paths exist the hook uses it; otherwise `sealguard` on PATH,
   * then `npx --no-install sealguard`.
   */
  readonly command?: string | readonly string[];
}

export interface InstallHookResult {
  readonly kind: HookKind;
  readonly hookPath: string;
  readonly action: 'installed' | 'updated' | 'unchanged';
  /** Where a hook that was already there now lives; ours runs it first. */
  readonly chainedPath?: string;
  /** One line for the CLI to print. */
  readonly message: string;
}

export interface UninstallHookResult {
  readonly kind: HookKind;
  readonly hookPath: string;
  /** `restored`: ours removed and the hook it had kept put back. `not-installed`: nothing of ours there. */
  readonly action: 'removed' | 'restored' | 'not-installed';
  readonly restoredFrom?: string;
  readonly message: string;
}


async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** The hook file git runs for `kind`: honours core.hooksPath (relative to the work tree top) and worktrees. */
export async function hookPathFor(repoDir: string, kind: HookKind): Promise<string> {
  return path.join(await gitPath(repoDir, 'hooks'), kind);
}

async function writeHook(hookPath: string, content: string): Promise<void> {
  await atomicWrite(hookPath, content, 0o755);
  // The temp file's mode went through the umask; git skips hooks that are not executable.
  await fs.chmod(hookPath, 0o755);
}

/**
 * Install sealguard's hook. Idempotent. A hook that is not ours is moved to
 * `<hook>.sealguard-chained` (rename: content, mode and symlinks kept exactly) and run first.
 */
export async function installHook(repoDir: string, kind: HookKind, opts: InstallHookOptions = {}): Promise<InstallHookResult> {
  const hookPath = await hookPathFor(repoDir, kind);
  const chainedPath = hookPath + CHAINED_SUFFIX;
  const content = renderHook(kind, opts.command);
  await fs.mkdir(path.dirname(hookPath), { recursive: true });
  const existing = await readTextIfExists(hookPath, 'HOOK_UNREADABLE', ExitCode.usage);
  const chained = (await exists(chainedPath)) ? { chainedPath } : {};

  if (existing !== undefined && isSealguardHook(existing)) {
    const mode = (await fs.stat(hookPath)).mode & 0o777;
    if (existing === content && mode === 0o755) {
      return { kind, hookPath, action: 'unchanged', ...chained, message: `sealguard ${kind} hook already installed at ${hookPath}` };
    }
    await writeHook(hookPath, content);
    return { kind, hookPath, action: 'updated', ...chained, message: `updated sealguard ${kind} hook at ${hookPath}` };
  }

  if (existing !== undefined || (await exists(hookPath))) {
    if (chained.chainedPath) {
      throw new SealguardError('HOOK_CHAIN_EXISTS', `${hookPath} is not sealguard's and ${chainedPath} already exists`, {
        exitCode: ExitCode.usage,
        details: ['move one of them away (or merge them) and run `sealguard install` again'],
      });
    }
    await fs.rename(hookPath, chainedPath);
    await writeHook(hookPath, content);
    return {
      kind,
      hookPath,
      action: 'installed',
      chainedPath,
      message: `installed sealguard ${kind} hook at ${hookPath}; the existing hook was kept as ${chainedPath} and runs first`,
    };
  }

  await writeHook(hookPath, content);
  return { kind, hookPath, action: 'installed', ...chained, message: `installed sealguard ${kind} hook at ${hookPath}` };
}

/** Remove sealguard's hook and put back the hook it kept, exactly as it was. Never removes a hook that is not ours. */
export async function uninstallHook(repoDir: string, kind: HookKind): Promise<UninstallHookResult> {
  const hookPath = await hookPathFor(repoDir, kind);
  const chainedPath = hookPath + CHAINED_SUFFIX;
  const existing = await readTextIfExists(hookPath, 'HOOK_UNREADABLE', ExitCode.usage);
  const ours = existing !== undefined && isSealguardHook(existing);
  const hookSlotFree = existing === undefined && !(await exists(hookPath));

  if (!ours && !hookSlotFree) {
    return { kind, hookPath, action: 'not-installed', message: `${hookPath} is not a sealguard hook; left it untouched` };
  }
  if (ours) await fs.rm(hookPath);
  if (await exists(chainedPath)) {
    await fs.rename(chainedPath, hookPath);
    return {
      kind,
      hookPath,
      action: 'restored',
      restoredFrom: chainedPath,
      message: ours ? `removed sealguard ${kind} hook; restored the previous hook at ${hookPath}` : `restored the previous hook at ${hookPath}`,
    };
  }
  if (!ours) return { kind, hookPath, action: 'not-installed', message: `no sealguard ${kind} hook at ${hookPath}` };
  return { kind, hookPath, action: 'removed', message: `removed sealguard ${kind} hook from ${hookPath}` };
}

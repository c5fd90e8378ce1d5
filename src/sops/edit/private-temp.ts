/**
 * A private place for plaintext on disk: a fresh folder (0700) from mkdtemp under the system temp
 * folder ($TMPDIR), holding one file (0600). Removal is synchronous so it can run from a signal
 * handler or an exit hook, and idempotent so every exit path may call it.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PrivateTempFile {
  readonly dir: string;
  readonly file: string;
  remove(): void;
}

/** `name` is a plain file name (no folders); keep the original's so editors pick the right syntax. */
export function createPrivateTempFile(name: string, content: string | Uint8Array): PrivateTempFile {
  const dir = mkdtempSync(path.join(tmpdir(), 'sealguard-'));
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    chmodSync(dir, 0o700);
    const file = path.join(dir, path.basename(name) || 'file');
    writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
    return { dir, file, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/** A private empty folder, for a FIFO or a file another process opens by name. */
export function createPrivateTempDir(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'sealguard-'));
  chmodSync(dir, 0o700);
  let removed = false;
  return {
    dir,
    remove(): void {
      if (removed) return;
      removed = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

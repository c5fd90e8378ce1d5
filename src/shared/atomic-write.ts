import { promises as fs, constants } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { SealguardError, errorMessage } from './errors.js';

/** The part of a temp name before PID: a long file name is shortened so the temp name fits NAME_MAX (255). */
function tempPrefix(base: string): string {
  const short = base.length > 180 ? `${base.slice(0, 100)}~${createHash('sha256').update(base).digest('hex').slice(0, 16)}` : base;
  return `.${short}.sealguard-`;
}

/** `.NAME.sealguard-PID-RANDOM.tmp`: the writer's pid tells a later run whether the writer is gone. */
function tempName(base: string): string {
  return `${tempPrefix(base)}${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Where the bytes must go: a symlink is followed (the link stays a link, as when sops writes the
 * file), and whether the target is a regular file or something else (`/dev/stdout`, a FIFO, a
 * device) that must be written in place rather than replaced by a rename.
 */
async function resolveTarget(target: string): Promise<{ file: string; regular: boolean; mode?: number }> {
  const abs = path.resolve(target);
  try {
    await fs.lstat(abs);
  } catch {
    return { file: abs, regular: true };
  }
  try {
    // stat follows /dev/stdout -> /proc/self/fd/1 even when it is a pipe, where realpath fails.
    const st = await fs.stat(abs);
    if (!st.isFile()) return { file: abs, regular: false };
    return { file: await fs.realpath(abs), regular: true, mode: st.mode & 0o7777 };
  } catch {
    // A dangling link or an unreadable one: write through it rather than replace the link.
    return { file: abs, regular: false };
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove temp files a killed writer left beside `target` (SIGKILL or power loss skip every cleanup;
 * after `decrypt -i` such a file holds plaintext). Only files whose writer pid is no longer running
 * are removed, so a concurrent writer's temp file is never touched.
 */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = path.dirname(path.resolve(target));
  const prefix = tempPrefix(path.basename(target));
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)-[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    if (!m || isAlive(Number(m[1]))) continue;
    const file = path.join(dir, name);
    await fs.rm(file, { force: true }).then(
      () => removed.push(file),
      () => undefined,
    );
  }
  return removed;
}

/**
 * Replace `target` atomically: write a temp file in the same folder (same filesystem, so rename is
 * atomic), fsync it, then rename over the target. On any failure the temp file is removed and the
 * original is left untouched. The new file keeps the original's mode when there is one. A process
 * killed mid-write (SIGKILL) cannot remove its temp file; the next write to the same target does.
 */
export async function atomicWrite(target: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const resolved = await resolveTarget(target);
  if (!resolved.regular) return writeInPlace(target, resolved.file, data);
  const dir = path.dirname(resolved.file);
  const tmp = path.join(dir, tempName(path.basename(resolved.file)));
  await removeStaleTemps(resolved.file);
  const fileMode = mode ?? resolved.mode ?? 0o644;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, fileMode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, resolved.file);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new SealguardError('WRITE_FAILED', `cannot write ${target}: ${errorMessage(e)}`, { cause: e });
  }
}

/** A device, FIFO or terminal cannot be replaced by a rename (and must not be: think `/dev/null` as root). */
async function writeInPlace(target: string, file: string, data: string | Uint8Array): Promise<void> {
  try {
    await fs.writeFile(file, data);
  } catch (e) {
    throw new SealguardError('WRITE_FAILED', `cannot write ${target}: ${errorMessage(e)}`, { cause: e });
  }
}

import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import type { SourceContext } from './context.js';
import { sizeReason, tooLarge } from './context.js';
import { decodeTextWithBytes } from './decode.js';

/**
 * One file's text for the scanner, read with synchronous calls on one descriptor (open, fstat,
 * read, close). Measured on ~10,000 files of npm sources: the promise-based lstat/stat/readFile
 * chain cost more CPU than scanning the text (four thread-pool round trips and a promise per call),
 * and files come from the page cache almost always, so there is no disk wait to overlap.
 */

// O_NONBLOCK: opening a FIFO named on the command line must not hang waiting for a writer; it has
// no effect on regular files. Windows has neither flag (0 there).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export type ReadResult = { readonly text: string; readonly utf8?: Buffer } | { readonly skip: string } | undefined;

/** Files larger than this get a buffer of their own, so a thread never holds more for its reads. */
const REUSE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * One buffer that successive reads fill, for a caller that is done with each file before it reads
 * the next. A fresh Buffer per file costs a page fault per 4 KB touched (measured: a tenth of a
 * folder scan's time on ~10,000 files of npm sources). What a read into it returns (the bytes, and
 * the text while it is still undecoded) is valid only until the next read into it.
 */
export class ReadBuffer {
  #buf: Buffer | undefined;

  /** The whole shared buffer, for a read of unknown size (its length is at least 256 KB). */
  all(): Buffer {
    this.#buf ??= Buffer.allocUnsafe(256 * 1024);
    return this.#buf;
  }

  /** `size` bytes of room: the shared buffer's, or a buffer of their own when the file is large. */
  room(size: number): Buffer {
    if (size > REUSE_MAX_BYTES) return Buffer.allocUnsafe(size);
    if (this.#buf === undefined || this.#buf.length < size) this.#buf = Buffer.allocUnsafe(Math.min(REUSE_MAX_BYTES, Math.max(size, 2 * (this.#buf?.length ?? 0), 256 * 1024)));
    return this.#buf.subarray(0, size);
  }
}

/**
 * `{text}` for a text file, `{skip: reason}` for one the report should mention as not scanned,
 * `undefined` for what has nothing to scan (vanished, not a regular file). Never throws. With
 * `into`, the bytes are read into that buffer (see ReadBuffer for how long they stay valid).
 * `regular`: the caller's folder listing said this is a regular file, so no fstat is needed to
 * know what to read (measured: fstat cost ~6 µs a file, a tenth of reading ~10,000 npm source files).
 */
export function readTextFile(abs: string, ctx: SourceContext, into?: ReadBuffer, regular = false): ReadResult {
  let fd: number | undefined;
  try {
    fd = openSync(abs, OPEN_FLAGS);
    if (regular && into !== undefined) {
      const bytes = readToEnd(fd, into, ctx);
      if (typeof bytes === 'number') return tooLarge(bytes, ctx) ? { skip: sizeReason(bytes) } : undefined;
      if (tooLarge(bytes.length, ctx)) return { skip: sizeReason(bytes.length) };
      return decodeTextWithBytes(bytes) ?? { skip: 'binary file' };
    }
    const st = fstatSync(fd);
    if (st.isDirectory()) return { skip: folderReason(abs) };
    if (!st.isFile()) return undefined;
    if (tooLarge(st.size, ctx)) return { skip: sizeReason(st.size) };
    return decodeTextWithBytes(readAll(fd, st.size, into)) ?? { skip: 'binary file' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Tracked but deleted from the work tree, or removed while we scanned: nothing left to leak.
    // ENXIO: a socket, which cannot be opened and holds no file text.
    if (code === 'ENOENT' || code === 'ENXIO') return undefined;
    // Windows refuses to open folders.
    if ((code === 'EISDIR' || code === 'EPERM') && isFolder(abs)) return { skip: folderReason(abs) };
    return { skip: `unreadable (${code ?? 'error'})` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isFolder(abs: string): boolean {
  try {
    return statSync(abs).isDirectory();
  } catch {
    return false;
  }
}

function folderReason(abs: string): string {
  return lstatSync(abs).isSymbolicLink() ? 'symlink to a folder' : 'folder (submodule or nested repository)';
}

/**
 * A regular file's bytes, read until end of file into the shared buffer; one that fills it is
 * looked at with fstat after all, and read on into room of its size (or, when it is too large to
 * scan or no longer a regular file, its size is returned instead, or -1).
 */
function readToEnd(fd: number, into: ReadBuffer, ctx: SourceContext): Buffer | number {
  let buf = into.all();
  let filled = 0;
  for (;;) {
    const n = readSync(fd, buf, filled, buf.length - filled, null);
    if (n === 0) return buf.subarray(0, filled);
    filled += n;
    if (filled < buf.length) continue;
    const st = fstatSync(fd);
    if (!st.isFile()) return -1;
    if (tooLarge(st.size, ctx)) return st.size;
    // Room for more than fstat says, so that the read which finds the end has a byte to ask for.
    const next = into.room(Math.max(st.size, filled) + 1);
    if (next.buffer !== buf.buffer || next.byteOffset !== buf.byteOffset) buf.copy(next, 0, 0, filled);
    buf = next;
  }
}

/**
 * The file's bytes: `size` of them as fstat said (as readFileSync does), or up to end of file when
 * fstat says 0 (some special files report no size). A file that shrank meanwhile gives what is left.
 */
function readAll(fd: number, size: number, into: ReadBuffer | undefined): Buffer {
  if (size > 0) {
    const buf = into ? into.room(size) : Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const n = readSync(fd, buf, filled, size - filled, null);
      if (n === 0) return buf.subarray(0, filled);
      filled += n;
    }
    return buf;
  }
  const parts: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) return Buffer.concat(parts);
    parts.push(chunk.subarray(0, n));
  }
}

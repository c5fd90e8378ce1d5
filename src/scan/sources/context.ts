import { existsSync } from 'node:fs';
import path from 'node:path';
/** What every source needs from its caller. */
export interface SourceContext {
  /** Files larger than this are skipped with a note; 0 or less means no limit. */
  readonly maxTargetBytes: number;
  /** Told about every file not scanned, with a short reason ("binary file", "larger than …"). Never fails the scan. */
  onSkip(path: string, reason: string): void;
}

export function tooLarge(size: number, ctx: SourceContext): boolean {
  return ctx.maxTargetBytes > 0 && size > ctx.maxTargetBytes;
}

export function sizeReason(size: number): string {
  const human = size >= 1024 * 1024 ? `${(size / (1024 * 1024)).toFixed(1)} MB` : `${(size / 1024).toFixed(1)} KB`;
  return `larger than --max-target-megabytes (${human})`;
}

/**
 * Paths in fragments use '/' on every platform. Only Windows separates with '\\'; elsewhere a
 * backslash is part of a file's name and must stay.
 */
export function toSlash(p: string, sep: string = path.sep): string {
  return sep === '\\' ? p.split('\\').join('/') : p;
}

/**
 * A listed name holding U+FFFD that does not exist under that name was not valid UTF-8 on disk:
 * Node decoded it lossily, so it cannot be opened by the name we have. Said in a note rather than
 * dropped silently.
 */
export function isLossyName(abs: string): boolean {
  return abs.includes('\ufffd') && !existsSync(abs);
}

export const LOSSY_NAME_REASON = 'file name is not valid UTF-8 (rename it to scan it)';

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

/** Paths in fragments use '/' on every platform. */
export function toSlash(p: string): string {
  return p.split('\\').join('/');
}

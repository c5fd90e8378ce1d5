import { createRequire } from 'node:module';
import type RE2 from 're2';

/**
 * The re2 addon, loaded on first use: a sops command compiles a regex only when a `.sops.yaml`
 * rule or a selector has one, and loading the native module costs about 4 ms of every command's
 * start (measured). The scanner, which always needs it, imports it directly.
 */
let lib: typeof RE2 | undefined;

export function re2(): typeof RE2 {
  return (lib ??= createRequire(import.meta.url)('re2') as typeof RE2);
}

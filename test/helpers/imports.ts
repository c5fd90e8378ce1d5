import { readFileSync } from 'node:fs';
import path from 'node:path';

export const SRC = path.resolve(import.meta.dirname, '../../src');

/** Every source module `file` loads at run time (type-only imports excluded), itself included. */
export function runtimeImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)'/gms)) {
    // A statement whose names are all `type X` loads nothing either.
    if (/^(?:import|export)\s*\{\s*(?:type\s+\w+\s*,?\s*)+\}/.test(m[0])) continue;
    runtimeImports(path.resolve(path.dirname(file), (m[1] as string).replace(/\.js$/, '.ts')), seen);
  }
  return seen;
}

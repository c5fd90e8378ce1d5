import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Every source module `file` loads at run time (type-only imports excluded), itself included. */
function runtimeImports(file: string, seen = new Set<string>()): Set<string> {
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

describe('the start of a history scan', () => {
  test('loads no part of the scanner, so git log starts while the engine and rules load', () => {
    const modules = [...runtimeImports(path.join(SRC, 'cli/commands/history-start.ts'))].map((f) => path.relative(SRC, f));
    expect(modules).toContain('scan/sources/history.ts');
    expect(modules.filter((m) => /^scan\/(engine|rules|parallel|report)\//.test(m))).toEqual([]);
  });
});

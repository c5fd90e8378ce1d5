import { describe, expect, test } from 'vitest';
import path from 'node:path';
import { runtimeImports, SRC } from '../helpers/imports.js';

describe('the start of a history scan', () => {
  test('loads no part of the scanner, so git log starts while the engine and rules load', () => {
    const modules = [...runtimeImports(path.join(SRC, 'cli/commands/history-start.ts'))].map((f) => path.relative(SRC, f));
    expect(modules).toContain('scan/sources/history.ts');
    expect(modules.filter((m) => /^scan\/(engine|rules|parallel|report)\//.test(m))).toEqual([]);
  });
});

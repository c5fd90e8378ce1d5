import fs from 'node:fs';
import path from 'node:path';
import { detect } from '../../../src/scan/engine/index.js';
import { compileRules, type CompiledRules } from '../../../src/scan/rules/index.js';
import { fileFragments } from '../../../src/scan/sources/index.js';
import type { Finding } from '../../../src/scan/types.js';
import { runCli, type CliResult } from '../../helpers/cli.js';
import { collect } from '../sources/collect.js';

/**
 * One test rule with a fixed prefix, so the hostile-input tests depend on the shape of the input and
 * not on the shipped rules' filters (entropy, checksums, token efficiency).
 */
const REGEX = '\\b(tok_[A-Za-z0-9]{20})\\b';

/** A fake secret built at run time (nothing secret-looking sits in the repo). */
export function secret(seed = 'Q7w2E5r8'): string {
  return 'tok_' + (seed + 'T1y4U6i3Zx9P').slice(0, 20);
}

export function testRules(): CompiledRules {
  return compileRules([
    {
      id: 'test-token',
      description: 'test token',
      regex: REGEX,
      keywords: ['tok_'],
      tags: [],
      severity: 'high',
      examples: { match: [], noMatch: [] },
      source: 'hostile.yaml',
    },
  ]);
}

/** The same rule as a `.sealguard.yaml` replacing the built-in rules, for CLI runs. */
export function writeTestConfig(dir: string): void {
  fs.writeFileSync(
    path.join(dir, '.sealguard.yaml'),
    `extend: {useDefault: false}\nrules:\n  - id: test-token\n    description: test token\n    regex: '${REGEX}'\n    keywords: [tok_]\n`,
  );
}

export interface Scanned {
  findings: Finding[];
  skips: Array<{ path: string; reason: string }>;
  paths: string[];
}

/** Files source + engine, as `sealguard scan PATH` runs them. */
export async function scanFiles(paths: string[], cwd: string, maxTargetBytes = 0): Promise<Scanned> {
  const rules = testRules();
  const { fragments, skips } = await collect((ctx) => fileFragments(paths, cwd, ctx), maxTargetBytes);
  return { findings: fragments.flatMap((f) => detect(rules, f)), skips, paths: fragments.map((f) => f.path) };
}

/** The CLI with JSON output; findings parsed. */
export function cliJson(args: string[], cwd: string): CliResult & { findings: Array<Record<string, unknown>> } {
  const r = runCli(['scan', '--report-format', 'json', ...args], { cwd });
  let findings: Array<Record<string, unknown>> = [];
  try {
    findings = r.stdout.trim() === '' ? [] : (JSON.parse(r.stdout) as Array<Record<string, unknown>>);
  } catch {
    findings = [];
  }
  return { ...r, findings };
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detect } from '../../src/scan/engine/index.js';
import { compileRules, loadBuiltinRules } from '../../src/scan/rules/index.js';
import type { Finding } from '../../src/scan/types.js';

/**
 * Accuracy against other scanners' own test strings (../shared/scan-vectors, outside the repo on
 * purpose: they are third-party data and must not be committed here). Each case file is scanned whole,
 * with the built-in rules, the way `sealguard scan` would scan it.
 *
 * A labelled secret counts as found when a finding on its line reports exactly that secret, or a
 * wider value that contains it (e.g. `user:password` where the label is the password): either way the
 * user is pointed at the right characters and the fingerprint covers the whole secret. A finding of
 * only part of the label does not count, because a fingerprint of a fragment would not survive the
 * secret being re-detected whole by another rule later.
 */
const VECTORS = path.resolve(import.meta.dirname, '../../../shared/scan-vectors');

interface Label {
  readonly file: string;
  readonly line: number;
  readonly end_line?: number;
  readonly provider: string;
  readonly secret: string;
}
interface Negative {
  readonly file: string;
  readonly line: number;
  readonly why: string;
}

/** Labelled secrets we knowingly do not report, with the reason. Each must really still be missed. */
const KNOWN_MISSES: Readonly<Record<string, string>> = {
  'detect_secrets_cases.py:7':
    'detect-secrets flags any high-entropy base64 literal; we need a secret-like name or a provider format. ' +
    'Here the name is "SUPER_SEECRET_VALUE" (misspelt) and the value is base64 of an English sentence.',
};

/** Negative lines we knowingly report, with the reason. Each must really still be reported. */
const KNOWN_FALSE_POSITIVES: Readonly<Record<string, string>> = {};

function readJsonl<T>(name: string): T[] {
  return readFileSync(path.join(VECTORS, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

const labels = readJsonl<Label>('labels.jsonl');
const negatives = readJsonl<Negative>('negatives.jsonl');
const compiled = compileRules(loadBuiltinRules());
const findingsByFile = new Map<string, Finding[]>();
for (const file of new Set([...labels, ...negatives].map((c) => c.file))) {
  const text = readFileSync(path.join(VECTORS, file), 'utf8');
  findingsByFile.set(file, detect(compiled, { path: file, text }));
}

function findingsOn(file: string, first: number, last = first): Finding[] {
  return (findingsByFile.get(file) ?? []).filter((f) => f.startLine <= last && f.endLine >= first);
}

function reportsLabel(label: Label): boolean {
  return findingsOn(label.file, label.line, label.end_line ?? label.line).some((f) =>
    f.secret.reveal().includes(label.secret),
  );
}

function describeFindings(fs: readonly Finding[]): string {
  return fs.map((f) => `${f.ruleId} (${f.secret.length} chars)`).join(', ') || 'nothing';
}

describe('scan vectors from gitleaks, secretlint and detect-secrets', () => {
  it('cover all three case files', () => {
    expect([...findingsByFile.keys()].sort()).toEqual([
      'detect_secrets_cases.py',
      'gitleaks_rule_cases.txt',
      'secretlint_snapshot_cases.txt',
    ]);
  });

  const expectedHits = labels.filter((l) => !(`${l.file}:${l.line}` in KNOWN_MISSES));
  it.each(expectedHits.map((l) => [`${l.provider} secret on ${l.file}:${l.line}`, l] as const))(
    'reports the %s',
    (_name, label) => {
      const found = reportsLabel(label);
      expect(found, `found on that line: ${describeFindings(findingsOn(label.file, label.line))}`).toBe(true);
    },
  );

  const expectedQuiet = negatives.filter((n) => !(`${n.file}:${n.line}` in KNOWN_FALSE_POSITIVES));
  it.each(expectedQuiet.map((n) => [`${n.file}:${n.line}`, n] as const))('reports nothing on %s', (_name, neg) => {
    const found = findingsOn(neg.file, neg.line);
    expect(found.map((f) => f.ruleId), `(${neg.why})`).toEqual([]);
  });

  it('still misses each listed known miss, so the exception list stays honest', () => {
    const nowFound = labels.filter((l) => `${l.file}:${l.line}` in KNOWN_MISSES && reportsLabel(l));
    expect(nowFound.map((l) => `${l.file}:${l.line}`)).toEqual([]);
    expect(Object.keys(KNOWN_MISSES).every((k) => labels.some((l) => `${l.file}:${l.line}` === k))).toBe(true);
  });

  it('still reports each listed known false positive, so the exception list stays honest', () => {
    const nowQuiet = Object.keys(KNOWN_FALSE_POSITIVES).filter((k) => {
      const [file, line] = [k.slice(0, k.lastIndexOf(':')), Number(k.slice(k.lastIndexOf(':') + 1))];
      return findingsOn(file, line).length === 0;
    });
    expect(nowQuiet).toEqual([]);
  });
});

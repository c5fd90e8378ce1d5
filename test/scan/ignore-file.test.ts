import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadIgnoreList, parseGitleaksIgnore, withoutIgnored } from '../../src/scan/ignore-file.js';
import { sampleFindings } from './report/helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'sealguard-ignore-'));
  dirs.push(d);
  return d;
}

describe('.gitleaksignore', () => {
  test('reads global (file:rule:line) and commit (commit:file:rule:line) fingerprints, skipping comments and junk', () => {
    const sha = 'a'.repeat(40);
    const entries = parseGitleaksIgnore(
      [
        '# accepted',
        'src/config.ts:github-pat:2',
        `${sha}:deploy/my env.sh:aws-access-key-id:7`,
        'C:\\work\\repo\\a.env:generic-api-key:3',
        'not a fingerprint',
        'file:rule:notanumber',
        '',
      ].join('\n'),
    );
    expect(entries).toEqual([
      { file: 'src/config.ts', rule: 'github-pat', line: '2' },
      { commit: sha, file: 'deploy/my env.sh', rule: 'aws-access-key-id', line: '7' },
      { file: 'C:/work/repo/a.env', rule: 'generic-api-key', line: '3' },
    ]);
  });

  test('a global entry hides the finding at that file, rule and line; another line is still reported', () => {
    const [fromFile] = sampleFindings();
    const hit = parseGitleaksIgnore(`src/config.ts:github-pat:${fromFile.startLine}`);
    const miss = parseGitleaksIgnore(`src/config.ts:github-pat:${fromFile.startLine + 1}`);
    expect(withoutIgnored([fromFile], { fingerprints: new Set(), gitleaks: hit })).toEqual([]);
    expect(withoutIgnored([fromFile], { fingerprints: new Set(), gitleaks: miss })).toHaveLength(1);
  });

  test('a commit entry hides only the finding from that commit (full or abbreviated id)', () => {
    const [fromFile, fromCommit] = sampleFindings();
    const line = fromCommit.startLine;
    for (const commit of ['a'.repeat(40), 'aaaaaaa']) {
      const list = { fingerprints: new Set<string>(), gitleaks: parseGitleaksIgnore(`${commit}:deploy/my env.sh:aws-access-key-id:${line}`) };
      expect(withoutIgnored([fromFile, fromCommit], list)).toEqual([fromFile]);
    }
    const other = { fingerprints: new Set<string>(), gitleaks: parseGitleaksIgnore(`${'b'.repeat(40)}:deploy/my env.sh:aws-access-key-id:${line}`) };
    expect(withoutIgnored([fromCommit], other)).toEqual([fromCommit]);
    const plainFile = { ...fromCommit, commit: undefined };
    const commitOnly = { fingerprints: new Set<string>(), gitleaks: parseGitleaksIgnore(`${'a'.repeat(40)}:deploy/my env.sh:aws-access-key-id:${line}`) };
    expect(withoutIgnored([plainFile], commitOnly)).toEqual([plainFile]);
  });

  test("'*' fields match anything, as in recent gitleaks", () => {
    const findings = sampleFindings();
    const list = { fingerprints: new Set<string>(), gitleaks: parseGitleaksIgnore('*:github-pat:*') };
    expect(withoutIgnored(findings, list).map((f) => f.ruleId)).toEqual(['aws-access-key-id']);
  });

  test('both files at the scan root are read together; missing files accept nothing', () => {
    const [fromFile, fromCommit] = sampleFindings();
    const dir = tempDir();
    expect(withoutIgnored([fromFile, fromCommit], loadIgnoreList(dir))).toHaveLength(2);
    writeFileSync(path.join(dir, '.sealguardignore'), `${fromFile.fingerprint} # rotated\n`);
    writeFileSync(path.join(dir, '.gitleaksignore'), `deploy/my env.sh:aws-access-key-id:${fromCommit.startLine}\n`);
    expect(withoutIgnored([fromFile, fromCommit], loadIgnoreList(dir))).toEqual([]);
  });
});

import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { sopsHistoryFindings } from '../../src/scan/sops-history.js';
import { tempDirs } from '../helpers/git-repo.js';

const VECTORS = path.resolve(import.meta.dirname, '../../../shared/sops-vectors');
const SOPS_YAML = 'creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun\n';
const { repo } = tempDirs('sealguard-sops-history-');

describe('sopsHistoryFindings', () => {
  test('reports each commit that committed a governed file in plaintext, even after it was encrypted later', async () => {
    const r = repo();
    r.write('.sops.yaml', SOPS_YAML);
    r.write('secrets/prod.yaml', 'db_host: localhost\n');
    r.write('docs/readme.yaml', 'a: 1\n');
    r.commitAll('add prod config in plaintext');
    const plaintextSha = r.git('rev-parse', 'HEAD').trim();
    copyFileSync(path.join(VECTORS, 'res-format.enc.yaml'), path.join(r.dir, 'secrets/prod.yaml'));
    r.commitAll('encrypt it');

    const found = await sopsHistoryFindings(r.dir, ['HEAD']);
    expect(found.map((f) => [f.ruleId, f.file, f.startLine, f.commit?.sha])).toEqual([
      ['sops-unencrypted-file', 'secrets/prod.yaml', 1, plaintextSha],
    ]);
    expect(found[0].commit).toMatchObject({ author: 'Test User', message: 'add prod config in plaintext' });
    expect(found[0].fingerprint).toBe(`${plaintextSha}:secrets/prod.yaml:sops-unencrypted-file:${found[0].fingerprint.slice(-12)}`);
    expect(found[0].notes).toContain('fix: sealguard encrypt -i secrets/prod.yaml');
  });

  test('a repository without .sops.yaml gives nothing', async () => {
    const r = repo();
    r.write('secrets/prod.yaml', 'db_host: localhost\n');
    r.commitAll('plain');
    expect(await sopsHistoryFindings(r.dir, ['--all'])).toEqual([]);
  });

  test('a committed .sops.yaml in a subfolder, or an uncommitted one at the root, governs the history', async () => {
    const nested = repo();
    nested.write('deploy/.sops.yaml', SOPS_YAML);
    nested.write('deploy/secrets/prod.yaml', 'db_host: localhost\n');
    nested.commitAll('nested config');
    expect((await sopsHistoryFindings(nested.dir, ['HEAD'])).map((f) => f.file)).toEqual(['deploy/secrets/prod.yaml']);

    const uncommitted = repo();
    uncommitted.write('secrets/prod.yaml', 'db_host: localhost\n');
    uncommitted.commitAll('plain');
    uncommitted.write('.sops.yaml', SOPS_YAML);
    expect((await sopsHistoryFindings(uncommitted.dir, ['HEAD'])).map((f) => f.file)).toEqual(['secrets/prod.yaml']);
  });

  test('a history where governed files were always encrypted gives nothing', async () => {
    const r = repo();
    r.write('.sops.yaml', SOPS_YAML);
    r.write('secrets/prod.yaml', readFileSync(path.join(VECTORS, 'res-format.enc.yaml'), 'utf8'));
    r.commitAll('encrypted from the start');
    expect(await sopsHistoryFindings(r.dir, ['HEAD'])).toEqual([]);
  });
});

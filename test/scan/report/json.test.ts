import { describe, expect, test } from 'vitest';
import { getReporter } from '../../../src/scan/report/index.js';
import { keyId, sampleFindings, token } from './helpers.js';

const json = getReporter('json');
const GITLEAKS_FIELDS = [
  'RuleID', 'Description', 'File', 'StartLine', 'EndLine', 'StartColumn', 'EndColumn', 'Match', 'Secret',
  'Entropy', 'Commit', 'Author', 'Email', 'Date', 'Message', 'Tags', 'Fingerprint',
];

describe('json report', () => {
  test("uses exactly gitleaks' field names, with our values", () => {
    const [fromFile, fromCommit] = JSON.parse(json.write(sampleFindings(), { redact: true })) as Record<string, unknown>[];
    expect(Object.keys(fromFile)).toEqual(GITLEAKS_FIELDS);
    expect(fromFile).toMatchObject({
      RuleID: 'github-pat',
      Description: 'GitHub personal access token',
      File: 'src/config.ts',
      StartLine: 2,
      EndLine: 2,
      StartColumn: 16,
      EndColumn: 15 + token.length,
      Match: 'ghp_************',
      Secret: 'ghp_************',
      Commit: '',
      Author: '',
      Email: '',
      Date: '',
      Message: '',
      Tags: ['github', 'token'],
    });
    expect(fromFile.Entropy).toBeTypeOf('number');
    expect(fromFile.Fingerprint).toMatch(/^src\/config\.ts:github-pat:[0-9a-f]{12}$/);
    expect(fromCommit).toMatchObject({
      RuleID: 'aws-access-key-id',
      File: 'deploy/my env.sh',
      StartLine: 7,
      Commit: 'a'.repeat(40),
      Author: 'Dev One',
      Email: 'dev@example.org',
      Date: '2024-05-01T10:00:00Z',
      Message: 'add deploy',
    });
  });

  test('secrets are masked, and in full only with redact off', () => {
    const masked = json.write(sampleFindings(), { redact: true });
    expect(masked).not.toContain(token);
    expect(masked).not.toContain(keyId);
    const [f] = JSON.parse(json.write(sampleFindings(), { redact: false })) as Record<string, unknown>[];
    expect([f.Secret, f.Match]).toEqual([token, token]);
  });

  test('no findings is an empty array, as gitleaks writes it', () => {
    expect(JSON.parse(json.write([], { redact: true }))).toEqual([]);
  });
});

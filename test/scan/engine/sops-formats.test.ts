import { describe, expect, test } from 'vitest';
import { detect } from '../../../src/scan/engine/index.js';
import { compileRules, loadRuleFile } from '../../../src/scan/rules/index.js';
import { binaryStore } from '../../../src/sops/stores/binary.js';
import { dotenvStore } from '../../../src/sops/stores/dotenv.js';
import { iniStore } from '../../../src/sops/stores/ini.js';
import { encryptWith, readVectorText } from '../../sops/stores/store-roundtrip.js';
import { FIXTURE_RULES, fakeGithubToken, rule } from './helpers.js';

/** Sample rules plus rules that would flag any ciphertext or wrapped key the scanner failed to skip. */
const greedy = compileRules([
  ...loadRuleFile(FIXTURE_RULES),
  rule({ id: 'any-long-base64', regex: '([A-Za-z0-9+/]{40,}={0,2})' }),
  rule({ id: 'any-base64-chunk', regex: '([A-Za-z0-9+/]{16,}={0,2})' }),
]);

const found = (path: string, text: string): string[] => detect(greedy, { path, text }).map((f) => `${f.ruleId}@${f.startLine}`);

describe('the scanner skips what sealguard writes in dotenv, INI and binary files', () => {
  const secret = fakeGithubToken();
  const cases = [
    ['app.env', dotenvStore, `# token below\nGITHUB_TOKEN=${secret}\nOTHER="${secret}"\n`],
    ['app.ini', iniStore, `; token below\n[github]\ntoken = "${secret}"\nnote = x ; ${secret}\n`],
    ['blob.bin', binaryStore, `raw ${secret}\n`],
  ] as const;

  test.each(cases)('%s: the plaintext has a finding, the encrypted file none', (name, store, plain) => {
    expect(found(name, plain).length).toBeGreaterThan(0);
    const { text } = encryptWith(store, plain);
    expect(found(name, text)).toEqual([]);
  });

  test('the upstream example.ini and example.txt (binary JSON envelope) have no findings', () => {
    expect(found('example.ini', readVectorText('example.ini'))).toEqual([]);
    expect(found('example.txt', readVectorText('example.txt'))).toEqual([]);
  });

  test('a token added in plain text to an encrypted INI section is still reported', () => {
    const { text } = encryptWith(iniStore, '[a]\nb = c\n');
    const leaked = text.replace('[a]\n', `[a]\nleak_unencrypted = ${secret}\n`);
    expect(found('app.ini', leaked)).toContain('github-pat@2');
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { detect } from '../../../src/scan/engine/index.js';
import { compileRules, loadRuleFile } from '../../../src/scan/rules/index.js';
import { FIXTURE_RULES, fakeGithubToken, rule } from './helpers.js';

const VECTORS = resolve(import.meta.dirname, '../../../../shared/sops-vectors');

/** The sample rules plus a rule that flags any long base64 run: ciphertext and wrapped keys would all hit it. */
const greedy = compileRules([
  ...loadRuleFile(FIXTURE_RULES),
  rule({ id: 'any-long-base64', regex: '([A-Za-z0-9+/]{40,}={0,2})' }),
  rule({ id: 'pgp-message', regex: '-----BEGIN PGP MESSAGE-----[\\s\\S]*?-----END PGP MESSAGE-----', keywords: ['pgp message'] }),
]);

describe('SOPS-encrypted files', () => {
  const encrypted = readdirSync(VECTORS).filter((n) => /^res-.*\.enc\.(ya?ml|json|env|ini)$/.test(n));

  test('the sops vectors include YAML, JSON, dotenv and INI files', () => {
    expect(encrypted.some((n) => n.endsWith('.yaml'))).toBe(true);
    expect(encrypted.some((n) => n.endsWith('.json'))).toBe(true);
    expect(encrypted.some((n) => n.endsWith('.env'))).toBe(true);
    expect(encrypted.some((n) => n.endsWith('.ini'))).toBe(true);
  });

  test.each(encrypted)('nothing in the encrypted file %s is reported: ENC values and sops metadata', (name) => {
    const text = readFileSync(join(VECTORS, name), 'utf8');
    expect(detect(greedy, { path: name, text }).map((f) => `${f.ruleId}@${f.startLine}`)).toEqual([]);
  });

  test('the same long base64 outside an ENC value and outside sops metadata is reported', () => {
    const text = readFileSync(join(VECTORS, 'res-format.enc.yaml'), 'utf8');
    const data = /data:([A-Za-z0-9+/]{40,})/.exec(text)![1];
    const found = detect(greedy, { path: 'plain.yaml', text: `plain: ${data}\n` });
    expect(found.map((f) => f.ruleId)).toEqual(['any-long-base64']);
  });

  test('a token inside an ENC[AES256_GCM,…] value is never a finding', () => {
    const text = `token: ENC[AES256_GCM,data:${fakeGithubToken()},iv:AAAA,tag:BBBB,type:str]\n`;
    expect(detect(greedy, { path: 'secrets.yaml', text })).toEqual([]);
  });

  test('a leak added next to encrypted values in a sops file is still reported', () => {
    const text = readFileSync(join(VECTORS, 'res-format.enc.yaml'), 'utf8');
    const leaked = `leaked_unencrypted: ${fakeGithubToken()}\n${text}`;
    const found = detect(greedy, { path: 'secrets.yaml', text: leaked });
    expect(found.map((f) => [f.ruleId, f.startLine])).toEqual([['github-pat', 1]]);
  });

  test('a plain YAML file with its own top-level sops: key is scanned normally', () => {
    const text = `sops:\n  token: ${fakeGithubToken()}\n`;
    expect(detect(greedy, { path: 'notes.yaml', text }).map((f) => f.ruleId)).toEqual(['github-pat']);
  });

  test('a sops JSON metadata object, dotenv sops_ lines and an INI [sops] section are skipped', () => {
    const enc = 'ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]';
    const key = '-----BEGIN PGP MESSAGE-----\\n' + 'Q'.repeat(10) + 'wcBMAyUpShfNkFB/AQf/b1Bdb5X/56d4Oe/5ZoEvKmjN68fr5n9c7gK8qW8Y+Q/L';
    const json = `{"a": "${enc}", "sops": {"pgp": [{"enc": "${key}", "fp": "X"}], "mac": "${enc}"}}`;
    const dotenv = `a=${enc}\nsops_pgp__list_0__map_enc=${key}\nsops_mac=${enc}\n`;
    const ini = `[app]\na = ${enc}\n[sops]\npgp__list_0__map_enc = ${key}\nmac = ${enc}\n`;
    for (const [path, text] of [['a.json', json], ['a.env', dotenv], ['a.ini', ini]]) {
      expect(detect(greedy, { path, text }), path).toEqual([]);
    }
  });
});

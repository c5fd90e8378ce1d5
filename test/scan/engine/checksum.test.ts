import { describe, expect, it } from 'vitest';
import { detect, githubChecksumValid, githubStyleToken } from '../../../src/scan/engine/index.js';
import { compileRules, loadBuiltinRules } from '../../../src/scan/rules/index.js';
import { randomToken } from './helpers.js';

const rules = compileRules(loadBuiltinRules());

describe('GitHub-style CRC32 checksums', () => {
  it('accepts tokens built the way GitHub and npm build them, and nothing with a changed character', () => {
    for (const prefix of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'npm_']) {
      const token = githubStyleToken(prefix, randomToken(30));
      expect(githubChecksumValid(token)).toBe(true);
      const last = token.at(-1) === 'A' ? 'B' : 'A';
      expect(githubChecksumValid(token.slice(0, -1) + last)).toBe(false);
      const flipped = token.slice(0, 6) + (token[6] === 'a' ? 'b' : 'a') + token.slice(7);
      expect(githubChecksumValid(flipped)).toBe(false);
    }
  });

  it('has nothing to say about values without the 36-character layout', () => {
    expect(githubChecksumValid('ghr_' + randomToken(76))).toBeUndefined();
    expect(githubChecksumValid('no-underscore')).toBeUndefined();
  });

  it('reports a token with a valid checksum at its rule severity, saying the checksum holds', () => {
    const token = githubStyleToken('ghp_', randomToken(30));
    const [f] = detect(rules, { path: 'a.env', text: `GITHUB_TOKEN=${token}\n` });
    expect(f.ruleId).toBe('github-pat');
    expect(f.severity).toBe('high');
    expect(f.notes?.[0]).toMatch(/^checksum valid/);
  });

  it('still reports a token whose checksum fails, at low severity, saying it is probably made up', () => {
    const token = 'ghp_' + randomToken(36);
    const [f] = detect(rules, { path: 'a.env', text: `GITHUB_TOKEN=${token}\n` });
    expect(githubChecksumValid(token)).toBe(false);
    expect(f.ruleId).toBe('github-pat');
    expect(f.severity).toBe('low');
    expect(f.notes?.[0]).toMatch(/^checksum does not match/);
  });

  it('checks npm tokens too', () => {
    const token = githubStyleToken('npm_', randomToken(30));
    const [f] = detect(rules, { path: '.npmrc', text: `//registry.npmjs.org/:_authToken=${token}\n` });
    expect(f.notes).toContain('checksum valid: the token has the layout its issuer gives real tokens');
  });
});

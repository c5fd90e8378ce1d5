import { describe, expect, test } from 'vitest';
import { compileRules, loadBuiltinRules } from '../../../src/scan/rules/index.js';
import { detect } from '../../../src/scan/engine/index.js';
import type { Finding } from '../../../src/scan/types.js';

const rules = compileRules(loadBuiltinRules());
const token = 'ghp_' + 'K7x7Qm2Z'.repeat(4) + 'Zz9Y';
const view = (f: Finding) => [f.ruleId, f.startLine, f.startColumn, f.endColumn, f.secret.reveal(), f.match.reveal(), f.fingerprint];

describe("a fragment that carries its file's UTF-8 bytes", () => {
  test('reports exactly what the same text without bytes reports, columns included, in non-ASCII text', () => {
    const text = `// Grüße 🔐 naïve café\nconst token = "${token}"; // ключ\n🎉 password = "Xk9qLm2Pz7RtWv4B"\n`;
    const plain = detect(rules, { path: 'src/a.js', text });
    expect(plain.length).toBeGreaterThan(0);
    const withBytes = detect(rules, { path: 'src/a.js', text, utf8: Buffer.from(text, 'utf8') });
    expect(withBytes.map(view)).toEqual(plain.map(view));
  });

  test('a file with no secret in it is never decoded to a string', () => {
    const bytes = Buffer.from('const token = getToken(); // the secret lives in the vault\n'.repeat(200) + 'naïve café\n', 'utf8');
    let reads = 0;
    const fragment = {
      path: 'src/b.js',
      utf8: bytes,
      get text(): string {
        reads++;
        return bytes.toString('utf8');
      },
    };
    expect(detect(rules, fragment)).toEqual([]);
    expect(reads).toBe(0);
  });

  test('a keyword far into a long line of multi-byte characters still finds its token at the right column', () => {
    // The window starts 4096 bytes before the keyword, which falls inside a two-byte character.
    const text = `${'é'.repeat(2500)}x token = "${token}"\n`;
    const plain = detect(rules, { path: 'src/c.js', text });
    const withBytes = detect(rules, { path: 'src/c.js', text, utf8: Buffer.from(text, 'utf8') });
    expect(withBytes.map(view)).toEqual(plain.map(view));
    const found = withBytes.find((f) => f.secret.reveal() === token);
    expect(found?.startColumn).toBe(text.indexOf(token) + 1);
  });

  test('a line-anchored value whose line starts far before its keyword is found, wherever the line break lies', () => {
    const value = 'Qz8Rk2Lp' + 'Vw4Nx7Tm';
    // Indents on both sides of how far back a short loop looks for the line's start (256 bytes).
    // Long filler after the line, so that the engine scans windows, not the whole text.
    const after = 'x = 1\n'.repeat(3000);
    for (const indent of [0, 40, 254, 255, 256, 257, 600, 3000]) {
      const text = `filler line\n${' '.repeat(indent)}API_KEY=${value}\n${after}`;
      const found = detect(rules, { path: '.env', text, utf8: Buffer.from(text, 'utf8') }).filter((f) => f.secret.reveal() === value);
      expect(found.map((f) => [f.startLine, f.startColumn]), String(indent)).toEqual([[2, indent + 'API_KEY='.length + 1]]);
    }
  });
});

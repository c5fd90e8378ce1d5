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
});

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { compileRules, loadBuiltinRules, type CompiledRule, type CompiledRules } from '../../../src/scan/rules/index.js';
import { anchorHits, runAnchorFor, type RunAnchor } from '../../../src/scan/rules/run-anchor.js';
import { detect } from '../../../src/scan/engine/index.js';
import type { Finding } from '../../../src/scan/types.js';
import { rule } from './helpers.js';

// Built from halves so that this file, scanned as a repository file, holds no quoted 40-character value.
const SECRET40 = 'Zq8Kp2/Vx7Lm4+Tn9Rw3' + 'Ys6Bd1Fh5Gj0Hk2Mn8Pq';
const K40 = 'wJalrXUtnFEMI/K7MDEN' + 'G+bPxRfiCYzq8Qm3Lx9a';
const AWS_UNNAMED = '["\'\\x60]([A-Za-z0-9+/]{40})["\'\\x60]';
const view = (f: Finding) => [f.ruleId, f.startLine, f.startColumn, f.endColumn, f.secret.reveal(), f.fingerprint];

/** The same rules with every run anchor removed: keywordless rules run over the whole fragment again. */
function unanchored(compiled: CompiledRules): CompiledRules {
  const strip = (r: CompiledRule): CompiledRule => {
    if (!r.runAnchor) return r;
    const { runAnchor: _dropped, ...rest } = r;
    return { ...rest, regex: r.regex, ...(r.probe ? { probe: r.probe } : {}) };
  };
  return { ...compiled, rules: compiled.rules.map(strip) };
}

const bytesOf = (set: Uint8Array | undefined) =>
  set
    ? Array.from(set.entries())
        .filter(([, v]) => v === 1)
        .map(([b]) => String.fromCharCode(b))
        .join('')
    : undefined;

describe('which keywordless regexes get a run anchor', () => {
  test('the quoted AWS secret rule: runs of exactly 40 base64 characters between quotes', () => {
    const a = runAnchorFor(AWS_UNNAMED)!;
    expect([a.min, a.max]).toEqual([40, 40]);
    expect(bytesOf(a.members)).toBe('+/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
    expect(bytesOf(a.before)).toBe('"\'`');
    expect(bytesOf(a.after)).toBe('"\'`');
  });

  test('the longest mandatory run is the anchor; a word boundary or an optional item next to it gives no flank', () => {
    const a = runAnchorFor('\\b(?P<id>[A-Z]{4})-([a-f0-9]{32})\\b')!;
    expect([a.min, a.max, bytesOf(a.before), a.after]).toEqual([32, 32, '-', undefined]);
    const b = runAnchorFor('=?[A-Za-z]{20,}')!;
    expect([b.min, b.max, b.before, b.after]).toEqual([20, Infinity, undefined, undefined]);
    // A flank sharing bytes with the run says nothing about where the run starts.
    expect(runAnchorFor('x[a-z]{20}')!.before).toBeUndefined();
  });

  test('a large upper bound is read as the engine runs it, unbounded', () => {
    const rules = compileRules([rule({ id: 'long', regex: '"([A-Z]{20,600})"', keywords: [] })]);
    expect(rules.rules[0]!.runAnchor?.max).toBe(Infinity);
  });

  test('no anchor where a match need not hold such a run, or where the syntax is beyond what is checked', () => {
    for (const regex of [
      'a=([A-Za-z]{20})|b=([0-9]{20})',
      '(?i)"([a-z]{20})"',
      '(?:key[A-Za-z]{20})?',
      '([A-Za-z]{20})+x',
      '"([A-Za-z]{15})"',
      '[^"]{40}',
      '[\\s\\S]{40}',
      '.{40}',
      '\\pL{20}',
      '[[:alpha:]]{20}',
      '\\Qab\\E[a-z]{20}',
      '[a-zé]{20}',
    ]) {
      expect(runAnchorFor(regex), regex).toBeUndefined();
    }
  });

  test('a rule with keywords never gets one: its keywords place it already', () => {
    const rules = compileRules([rule({ id: 'kw', regex: '"(zz[A-Za-z]{30})"', keywords: ['zz'] })]);
    expect(rules.rules[0]!.runAnchor).toBeUndefined();
  });
});

describe('where an anchored rule is looked for', () => {
  const aws = runAnchorFor(AWS_UNNAMED)!;
  const runs = (text: string, anchor: RunAnchor = aws, longest = 4096) => {
    const hits = anchorHits(Buffer.from(text), anchor, longest);
    if (hits === undefined) return undefined;
    const spans: string[] = [];
    for (let i = 0; i < hits.length; i += 2) spans.push(text.slice(hits[i]! - 1, hits[i + 1]));
    return spans;
  };
  const k40 = K40;

  test('only quoted runs of exactly 40 qualify, wherever the probes fall', () => {
    expect(k40).toHaveLength(40);
    for (let pad = 0; pad < 45; pad++) {
      const lead = 'a '.repeat(pad).slice(0, pad);
      const text = `${lead}"${k40}" '${k40}x' "${k40.slice(1)}" \`${k40}\``;
      expect(runs(text), `pad ${pad}`).toEqual([k40, k40]);
    }
  });

  test('a run at the very start or end of the text has no quote beside it and does not qualify', () => {
    expect(runs(`${k40}"`)).toEqual([]);
    expect(runs(`"${k40}`)).toEqual([]);
  });

  test('a qualifying run too long to window around means the whole text is scanned', () => {
    const open = runAnchorFor('[A-Za-z]{20,}')!;
    expect(runs(`x ${'Ab'.repeat(30)} y`, open)).toEqual(['Ab'.repeat(30)]);
    expect(runs(`x ${'Ab'.repeat(30)} y`, open, 60)).toBeUndefined();
  });
});

describe('the engine with run anchors', () => {
  test('a quoted AWS secret in a long source map full of base64 runs is still found, once, where it is', () => {
    const secret = SECRET40;
    const text = `{"mappings":"${'AAAA,SAASA,CAAC;'.repeat(3000)}","names":["${'x'.repeat(60)}"]}\nnew Credentials('AKID', '${secret}');\n`;
    const rules = compileRules(loadBuiltinRules());
    const found = detect(rules, { path: 'dist/app.js', text }).filter((f) => f.ruleId === 'aws-secret-access-key-unnamed');
    expect(found.map((f) => [f.startLine, f.secret.reveal()])).toEqual([[2, secret]]);
  });

  test('reports exactly what the engine without anchors reports, for the built-in rules and keywordless user rules', () => {
    const rules = compileRules([
      ...loadBuiltinRules(),
      rule({ id: 'user-flanked', regex: 'key=([A-Z0-9]{20,24});', keywords: [] }),
      rule({ id: 'user-open', regex: '\\b([a-f0-9]{32,})\\b', keywords: [], entropy: 0 }),
      rule({ id: 'user-prefix', regex: 'sk-([A-Za-z]{16})', keywords: [] }),
    ]);
    expect(rules.rules.filter((r) => r.runAnchor).map((r) => r.spec.id)).toEqual(['aws-secret-access-key-unnamed', 'user-flanked', 'user-open', 'user-prefix']);
    const plain = unanchored(rules);
    const run = fc.constantFrom(
      SECRET40,
      SECRET40.slice(0, 39),
      'Q7Z2X9K4M8T1V6W3Y5B0',
      'Q7Z2X9K4M8T1V6W3Y5B0A1B2C',
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b',
      'AbCdEfGhIjKlMnOpQr',
      'plain',
    );
    const edge = fc.constantFrom('', '"', "'", '`', 'key=', ';', ' ', '\n', 'sk-', '-', 'x', '/', 'é');
    const piece = fc.tuple(edge, run, edge).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (parts) => {
        const fragment = { path: 'src/x.js', text: parts.join('') };
        expect(detect(rules, fragment).map(view)).toEqual(detect(plain, fragment).map(view));
      }),
      { numRuns: 400 },
    );
  });
});

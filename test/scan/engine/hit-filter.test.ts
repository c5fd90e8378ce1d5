import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { compileRules, loadBuiltinRules, type CompiledRules } from '../../../src/scan/rules/index.js';
import { filterHits, hitFilterFor } from '../../../src/scan/rules/hit-filter.js';
import { detect } from '../../../src/scan/engine/index.js';
import type { Finding } from '../../../src/scan/types.js';

const specs = loadBuiltinRules();
const rules = compileRules(specs);
/** The same rules with every keyword occurrence kept, as the engine ran before the filters. */
const unfiltered: CompiledRules = { ...rules, keywordFilters: rules.keywordFilters.map((list) => list.map(() => undefined)) };
const view = (f: Finding) => [f.ruleId, f.startLine, f.startColumn, f.endColumn, f.secret.reveal(), f.fingerprint];

describe('which keyword occurrences can start a match', () => {
  test('a regex opening with a word boundary and a literal gets a filter in the literal\'s case, for a keyword it begins with', () => {
    expect(hitFilterFor('\\b(EAA[A-Za-z0-9]{100,500})\\b', 'eaa')?.literal).toBe('EAA');
    expect(hitFilterFor('\\b(?:GR1348941[\\w-]{20})\\b', 'gr13')?.literal).toBe('GR13');
    expect(hitFilterFor('\\bpat[A-Za-z0-9]{14}', 'pat')?.literal).toBe('pat');
  });

  test('no filter where an occurrence could sit elsewhere in a match or in another case', () => {
    expect(hitFilterFor('\\b(EAAA[\\w-]{60}|sq0atp-[\\w-]{22})', 'eaaa')).toBeUndefined();
    expect(hitFilterFor('(?i)\\b(EAA[A-Za-z0-9]{100})', 'eaa')).toBeUndefined();
    expect(hitFilterFor('\\b(SK?[0-9a-f]{32})', 'sk')).toBeUndefined();
    expect(hitFilterFor('\\b(EAA[A-Za-z0-9]{100})', 'facebook')).toBeUndefined();
    expect(hitFilterFor('token\\s*=\\s*(EAA[A-Za-z0-9]{100})', 'eaa')).toBeUndefined();
    expect(hitFilterFor('(?:^|\\s)(EAA[A-Za-z0-9]{100})', 'eaa')).toBeUndefined();
  });

  test('occurrences in another case or right after a word character are dropped; at the start of the text or after punctuation they stay', () => {
    const filter = hitFilterFor('\\b(EAA[A-Za-z0-9]{100})', 'eaa')!;
    const text = Buffer.from('EAA xEAA eaa (EAA _EAA EaA\né-EAA');
    const ends = [...text.toString('latin1').matchAll(/eaa/gi)].map((m) => m.index! + 3);
    expect(filterHits(text, ends, filter).map((e) => text.subarray(e - 4 < 0 ? 0 : e - 4, e).toString())).toEqual(['EAA', '(EAA', '-EAA']);
  });

  test('the built-in prefix rules that run most often on source code get a filter', () => {
    const filtered = new Set<string>();
    rules.keywordRules.forEach((indices, id) => indices.forEach((index, j) => rules.keywordFilters[id]![j] && filtered.add(rules.rules[index]!.spec.id)));
    expect([...filtered]).toEqual(expect.arrayContaining(['facebook-access-token', 'airtable-personal-access-token', 'twilio-api-key', 'crates-io-api-token']));
  });
});

describe('the engine with keyword filters', () => {
  const fbToken = 'EAA' + 'BvOHCwRZuP002Nue1cLecIwIXSSTpewEdi1V48rVzlD5uoc2xnLlQjGawpfTs9A70rpyGKNHCT5uGy9MJPickYpVnANBffHLx5oHnx19YXdu0fa';

  test('a Facebook token in a file full of lower-case "eaa" (a source map) is still found, once, where it is', () => {
    const text = `{"mappings":"${'AAAA,eaaE,GAAG,EAAE;'.repeat(2000)}"}\nconst fb = "${fbToken}";\n`;
    const found = detect(rules, { path: 'dist/app.js', text }).filter((f) => f.ruleId === 'facebook-access-token');
    expect(found.map((f) => [f.startLine, f.secret.reveal()])).toEqual([[2, fbToken]]);
  });

  test('reports exactly what the engine without filters reports, on text mixing keywords in every case and position', () => {
    // A keyword in some case, after some byte, followed by a body that completes one of the prefix
    // rules' tokens (or not): every combination the filters decide on.
    const before = fc.constantFrom('', 'x', '9', '_', '(', ' ', '"', '=', '-', '.', 'é', '\n');
    const keyword = fc.constantFrom('EAA', 'eaa', 'Eaa', 'pat', 'PAT', 'Pat', 'SK', 'sk', 'cio', 'CIO', 'LTAI', 'ltai', 'AKID', 'akid', 'dapi', 'DAPI', 'oy2', 'OY2');
    const body = fc.constantFrom(
      fbToken.slice(3),
      'K8mQ2xT9vL4nR7.0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
      'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
      'Xk9qLm2Pz7RtWv4BaC8dE3fG6hJ1kM5n',
      'Qz7mK2pX9vT4wL8nR3sY6b',
      'a3k9m2p7q4r8t1v6w5x0y3z8b2c7d4e9f1g6h5j0k3l',
      'plain words follow',
    );
    const piece = fc.oneof(fc.tuple(before, keyword, body, before).map((p) => p.join('')), fc.constantFrom(' ', '\n', 'path = "/usr/lib";', 'eaaE,GAAG;'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        const fragment = { path: 'src/x.js', text };
        expect(detect(rules, fragment).map(view)).toEqual(detect(unfiltered, fragment).map(view));
      }),
      { numRuns: 400 },
    );
  });
});

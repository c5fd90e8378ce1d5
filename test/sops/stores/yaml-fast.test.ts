import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYamlFast } from '../../../src/sops/stores/yaml-fast.js';
import { parseYamlGeneral } from '../../../src/sops/stores/yaml-parse.js';
import { yamlStore } from '../../../src/sops/stores/yaml.js';
import { FAKE_METADATA, fakeEncrypt } from './yaml-helpers.js';

const corpusDir = path.resolve(import.meta.dirname, '../../fixtures/yaml-corpus');
const fast = (text: string) => parseYamlFast(text, (region) => parseYamlGeneral(region).metadata);

/**
 * The whole parse result as text: every field of every object, class names included; an object
 * met again (the origins point back into the tree) is written as a reference to its first visit.
 */
function canonical(root: unknown): string {
  const seen = new Map<object, number>();
  const out: string[] = [];
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object') {
      out.push(JSON.stringify(x) ?? 'undefined');
      return;
    }
    const id = seen.get(x);
    if (id !== undefined) {
      out.push(`@${id}`);
      return;
    }
    seen.set(x, seen.size);
    if (Array.isArray(x)) {
      out.push('[');
      x.forEach(visit);
      out.push(']');
      return;
    }
    out.push(`${x.constructor?.name ?? 'Object'}{`);
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined) continue;
      out.push(k + ':');
      visit(v);
    }
    out.push('}');
  };
  visit(root);
  return out.join(' ');
}

/** Equal texts, or a failure that shows where they part. */
function expectSameText(actual: string, expected: string): void {
  if (actual === expected) return;
  let i = 0;
  while (actual[i] === expected[i]) i++;
  expect(actual.slice(Math.max(0, i - 300), i + 200)).toBe(expected.slice(Math.max(0, i - 300), i + 200));
}

/** The fast reader either declines or gives exactly what the general reader gives. */
function expectSameAsGeneral(text: string): boolean {
  const quick = fast(text);
  if (quick === undefined) return false;
  expectSameText(canonical(quick), canonical(parseYamlGeneral(text)));
  return true;
}

describe('the fast reader for plain block YAML', () => {
  test('reads corpus files exactly as the general reader does, or leaves them to it', () => {
    const taken: string[] = [];
    for (const name of readdirSync(corpusDir)) {
      const text = readFileSync(path.join(corpusDir, name), 'utf8');
      if (expectSameAsGeneral(text)) taken.push(name);
      // Encrypted files (ENC values, a sops block with block scalars) too.
      const { file } = yamlStore.parse(text);
      fakeEncrypt(file);
      const encrypted = yamlStore.emit(file, FAKE_METADATA);
      if (expectSameAsGeneral(encrypted)) taken.push(`${name} (encrypted)`);
    }
    // The common shapes (block maps and lists of one-line values) take the fast path.
    expect(taken).toEqual(expect.arrayContaining(['k8s-service.yaml', 'k8s-service.yaml (encrypted)', 'ansible-inventory.yaml', 'no-final-newline.yaml (encrypted)']));
  });

  test('declines what is outside its subset', () => {
    for (const text of ['a: &x 1\nb: *x\n', 'a: [1, 2]\n', 'a: |\n  x\n', '---\na: 1\n', 'a: "x\\ty"\n', 'a: b\n  c\n', '"q": 1\n', 'a: 1\na: 2\n', '- a\n']) {
      expect(fast(text), text).toBeUndefined();
    }
  });

  test('random block documents with comments, blank lines, nulls, quoting and CRLF read the same', () => {
    const scalar = fc.oneof(
      fc.constantFrom('x', 'hello world', '12', '-3', '0644', '1.5', 'true', 'False', '~', 'null', '2024-01-02', 'ENC[AES256_GCM,data:YQ==,iv:aXY=,tag:dA==,type:str]', 'a,b[c]', "'it''s'", '"quoted #"', "''", '""', '.inf', 'yes', 'http://x.y/z?q=1'),
      fc.stringMatching(/^[a-z][a-z0-9 ._-]{0,12}[a-z0-9]$/),
    );
    const comment = fc.constantFrom('', '', '', ' # note', '   #x');
    type Doc = { lines: string[] };
    const key = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,8}$/);
    const node: fc.Memo<string[]> = fc.memo((depth) =>
      depth <= 1
        ? fc.tuple(scalar, comment).map(([v, c]) => [` ${v}${c}`])
        : fc.oneof(
            fc.tuple(scalar, comment).map(([v, c]) => [` ${v}${c}`]),
            fc.constant([':null']) as fc.Arbitrary<string[]>,
            fc.uniqueArray(fc.tuple(key, node(depth - 1)), { minLength: 1, maxLength: 4, selector: ([k]) => k }).map((entries) =>
              ['', ...entries.flatMap(([k, v]) => renderEntry(k, v))]),
            fc.array(node(depth - 1), { minLength: 1, maxLength: 3 }).map((items) => ['[', ...items.flatMap((v) => renderItem(v))]),
          ),
    );
    // A list under a key is written compact (`key:` then `- a` at the key's column) when its
    // first line says '[' and the key's hash is even, so both layouts occur.
    function renderEntry(k: string, v: string[]): string[] {
      if (v[0] === ':null') return [`${k}:`];
      if (v[0] !== '' && v[0] !== '[') return [`${k}:${v[0]}`];
      const pad = v[0] === '[' && k.length % 2 === 0 ? '' : '  ';
      return [`${k}:`, ...v.slice(1).map((l) => `${pad}${l}`)];
    }
    function renderItem(v: string[]): string[] {
      if (v[0] === ':null') return ['-'];
      if (v[0] !== '' && v[0] !== '[') return [`-${v[0]}`];
      return ['-', ...v.slice(1).map((l) => `  ${l}`)];
    }
    const docArb = fc
      .tuple(
        fc.uniqueArray(fc.tuple(key, node(4)), { minLength: 1, maxLength: 5, selector: ([k]) => k }),
        fc.array(fc.tuple(fc.nat(40), fc.constantFrom('', '# c', '  # indented', '    ')), { maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
      )
      .map(([entries, extras, crlf, finalNewline]): Doc & { text: string } => {
        const lines = entries.flatMap(([k, v]) => renderEntry(k, v));
        for (const [at, extra] of extras) lines.splice(at % (lines.length + 1), 0, extra);
        const eol = crlf ? '\r\n' : '\n';
        return { lines, text: lines.join(eol) + (finalNewline ? eol : '') };
      });
    let taken = 0;
    let takenEncrypted = 0;
    fc.assert(
      fc.property(docArb, ({ text }) => {
        let general;
        try {
          general = parseYamlGeneral(text);
        } catch {
          expect(fast(text)).toBeUndefined();
          return;
        }
        const quick = fast(text);
        if (quick !== undefined) {
          taken++;
          expectSameText(canonical(quick), canonical(general));
          // And the encrypted form, with its sops block.
          fakeEncrypt(general.file);
          if (expectSameAsGeneral(yamlStore.emit(general.file, FAKE_METADATA))) takenEncrypted++;
        }
      }),
      { numRuns: 300 },
    );
    expect(taken).toBeGreaterThan(150);
    expect(takenEncrypted).toBeGreaterThan(100);
  });
});

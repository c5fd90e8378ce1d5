import { describe, expect, test } from 'vitest';
import { yamlStore } from '../../../src/sops/stores/yaml.js';
import { resolvePlain, resolvePlainGeneral } from '../../../src/sops/stores/yaml-resolve.js';
import fc from 'fast-check';
import { isSealguardError } from '../../../src/shared/errors.js';
import type { MapEntry, MapNode, ParsedFile, TreeNode } from '../../../src/sops/tree.js';
import { FAKE_METADATA, fakeDecrypt, fakeEncrypt, trail } from './yaml-helpers.js';

function parseError(text: string): { code: string; message: string; exitCode: number } {
  try {
    yamlStore.parse(text);
  } catch (e) {
    if (isSealguardError(e)) return { code: e.code, message: e.message, exitCode: e.exitCode };
    throw e;
  }
  throw new Error('parse accepted the input');
}

const entry = (file: ParsedFile, key: string): MapEntry => {
  const found = file.documents[0]!.items.find((i): i is MapEntry => i.kind === 'entry' && i.key === key);
  if (!found) throw new Error(`no ${key}`);
  return found;
};

describe('scalar types, as go-yaml and sops read them', () => {
  test.each([
    ['hello', { type: 'str', value: 'hello' }],
    ['yes', { type: 'str', value: 'yes' }],
    ['True', { type: 'bool', value: true, text: 'True' }],
    ['FALSE', { type: 'bool', value: false, text: 'FALSE' }],
    ['0644', { type: 'int', value: '0644' }],
    ['+5', { type: 'int', value: '+5' }],
    ['0x1F', { type: 'int', value: '31' }],
    ['1_000', { type: 'int', value: '1000' }],
    ['18446744073709551615', { type: 'int', value: '18446744073709551615' }],
    ['123456789012345678901234567890', { type: 'float', value: '123456789012345678901234567890' }],
    ['1.0', { type: 'float', value: '1.0' }],
    ['1e3', { type: 'float', value: '1e3' }],
    ['08', { type: 'float', value: '08' }],
    ['.inf', { type: 'float', value: '+Inf' }],
    ['-.Inf', { type: 'float', value: '-Inf' }],
    ['.nan', { type: 'float', value: 'NaN' }],
    ['~', { type: 'null' }],
    ['', { type: 'null' }],
    ['2024-03-01T12:30:00Z', { type: 'time', value: '2024-03-01T12:30:00Z' }],
    ['2024-03-01', { type: 'time', value: '2024-03-01T00:00:00Z' }],
    ['2024-3-1 7:05:09', { type: 'time', value: '2024-03-01T07:05:09Z' }],
    ['2024-02-30', { type: 'str', value: '2024-02-30' }],
    ['1.2.3', { type: 'str', value: '1.2.3' }],
  ])('plain %j reads as %j', (text, want) => {
    expect(resolvePlain(text)).toEqual(want);
  });

  test('property: the fast paths for common spellings resolve every plain scalar as the general rules do', () => {
    const spelling = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789-._+eExaZ'), maxLength: 24 }),
      fc.stringMatching(/^-?[0-9]{1,20}(\.[0-9]{0,3})?$/),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/),
      fc.constantFrom('true', 'False', 'NULL', 'null', '~', '0', '-0', '00', '1234567890123456789', '123456789012345678'),
    );
    fc.assert(
      fc.property(spelling, (text) => {
        expect(resolvePlain(text)).toEqual(resolvePlainGeneral(text));
      }),
      { numRuns: 3000 },
    );
  });

  test('quoted scalars and block scalars are always strings', () => {
    const { file } = yamlStore.parse('a: "12"\nb: \'true\'\nc: |\n  7\n');
    const types = file.documents[0]!.items.map((i) => (i as MapEntry).value);
    expect(types).toEqual([
      expect.objectContaining({ scalar: { type: 'str', value: '12' } }),
      expect.objectContaining({ scalar: { type: 'str', value: 'true' } }),
      expect.objectContaining({ scalar: { type: 'str', value: '7\n' } }),
    ]);
  });
});

describe('input the YAML store refuses', () => {
  test('a top-level list is refused with its position, exit 2', () => {
    const err = parseError('- name: play\n  hosts: all\n');
    expect(err).toMatchObject({ code: 'INVALID_INPUT', exitCode: 2 });
    expect(err.message).toMatch(/^1:1: the top level of YAML document 1 must be a map$/);
  });

  test('a scalar document after a good one is refused, naming the document', () => {
    const err = parseError('a: 1\n---\njust-a-value-x9\n');
    expect(err.message).toBe('3:1: the top level of YAML document 2 must be a map');
  });

  test('malformed YAML is refused on one line without echoing the values', () => {
    const secretish = 'hunter2-' + 'Zq9'.repeat(4);
    const err = parseError(`ok: 1\npassword: "${secretish}\nother: x\n`);
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^\d+:\d+: invalid YAML: /);
    expect(err.message).not.toContain(secretish);
    expect(err.message).not.toContain('\n');
  });

  test('duplicate keys are refused', () => {
    const err = parseError('a: 1\nb: 2\na: 3\n');
    expect(err.message).toBe('3:1: invalid YAML: duplicate map key');
  });
});

describe('anchors, aliases and merge keys', () => {
  const text = 'base: &base\n  user: app\n  pass: not-real\nprod:\n  <<: *base\n  host: db\nalias_value: *base\n';

  test('every alias is a copy of its anchored value at its own path, as sops reads it (merge keys are plain `<<` keys)', () => {
    const { file } = yamlStore.parse(text);
    expect(trail(file).map((t) => t.path)).toEqual([
      'base:user:',
      'base:pass:',
      'prod:<<:user:',
      'prod:<<:pass:',
      'prod:host:',
      'alias_value:user:',
      'alias_value:pass:',
    ]);
  });

  test('encrypting spells each copy out under a marker anchor, keeping the anchor where it was', () => {
    const { file } = yamlStore.parse(text);
    fakeEncrypt(file);
    const out = yamlStore.emit(file, FAKE_METADATA);
    expect(out).toMatch(
      /^base: &base\n {2}user: ENC\[.*\n {2}pass: ENC\[.*\nprod:\n {2}<<: &sgalias-1-base\n {6}user: ENC\[.*\n {6}pass: ENC\[.*\n {2}host: ENC\[.*\nalias_value: &sgalias-2-base\n {4}user: ENC\[.*\n {4}pass: ENC\[.*\nsops:\n/,
    );
  });

  test('decrypting folds marked copies back into the aliases, byte for byte', () => {
    const { file } = yamlStore.parse(text);
    fakeEncrypt(file);
    const encrypted = yamlStore.parse(yamlStore.emit(file, FAKE_METADATA));
    fakeDecrypt(encrypted.file);
    expect(yamlStore.emit(encrypted.file)).toBe(text);
  });

  test('a marked copy whose values no longer equal its anchor stays spelled out', () => {
    const { file } = yamlStore.parse(text);
    fakeEncrypt(file);
    const encrypted = yamlStore.parse(yamlStore.emit(file, FAKE_METADATA));
    fakeDecrypt(encrypted.file);
    const prod = entry(encrypted.file, 'prod').value as MapNode;
    const merged = (prod.items[0] as MapEntry).value as MapNode;
    (merged.items[0] as MapEntry).value = { kind: 'scalar', scalar: { type: 'str', value: 'changed' } };
    const out = yamlStore.emit(encrypted.file);
    expect(out).toContain('alias_value: *base\n');
    expect(out).not.toContain('<<: *base');
    expect(yamlStore.parse(out).file.documents[0]).toBeDefined();
  });

  test('scalar, list and flow aliases, and a comment after an alias, survive the round trip', () => {
    const src = 'a: &pw hunter2\nb: *pw # same\nl: &l\n  - x\n  - y\nm:\n  - *l\n  - *pw\nf: {k: *pw, j: [*pw, 1]}\n';
    const { file } = yamlStore.parse(src);
    fakeEncrypt(file);
    const encText = yamlStore.emit(file, FAKE_METADATA);
    expect(encText).not.toMatch(/\*pw|\*l/);
    const encrypted = yamlStore.parse(encText);
    fakeDecrypt(encrypted.file);
    expect(yamlStore.emit(encrypted.file)).toBe(src);
  });

  test('an alias bomb is refused instead of expanded', () => {
    let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    expect(parseError(bomb).message).toMatch(/aliases expand to more than/);
  });
});

describe('emit', () => {
  test('metadata goes at the end of every document; parse takes it from the first and strips all', () => {
    const { file } = yamlStore.parse('a: 1\n---\nb: 2\n');
    const out = yamlStore.emit(file, { version: '3.9.0' });
    expect(out).toBe('a: 1\nsops:\n    version: 3.9.0\n---\nb: 2\nsops:\n    version: 3.9.0\n');
    const again = yamlStore.parse(out);
    expect(again.metadata).toEqual({ version: '3.9.0' });
    expect(yamlStore.emit(again.file)).toBe('a: 1\n---\nb: 2\n');
  });

  test('a value replaced by a new scalar node keeps the formatting around it', () => {
    const { file } = yamlStore.parse('# top\nkey:   "old"   # why\nother: [a, b]\n');
    entry(file, 'key').value = { kind: 'scalar', scalar: { type: 'str', value: 'new "value"' } };
    expect(yamlStore.emit(file)).toBe('# top\nkey:   "new \\"value\\""   # why\nother: [a, b]\n');
  });

  test('a new key is added on its own line, keeping every other line as written', () => {
    const { file } = yamlStore.parse('# top\na:\n  b: 1\n');
    file.documents[0]!.items.push({ kind: 'entry', key: 'c', value: { kind: 'scalar', scalar: { type: 'str', value: 'x' } } });
    expect(yamlStore.emit(file)).toBe('# top\na:\n  b: 1\nc: x\n');
  });

  test('a tree built in code is written the way sops writes it', () => {
    const s = (value: string): TreeNode => ({ kind: 'scalar', scalar: { type: 'str', value } });
    const root: MapNode = {
      kind: 'map',
      items: [
        { kind: 'comment', text: ' settings' },
        { kind: 'entry', key: 'name', value: s('app') },
        { kind: 'entry', key: 'port', value: { kind: 'scalar', scalar: { type: 'int', value: '8080' } } },
        { kind: 'entry', key: 'ratio', value: { kind: 'scalar', scalar: { type: 'float', value: '1' } } },
        { kind: 'entry', key: 'on', value: { kind: 'scalar', scalar: { type: 'bool', value: true } } },
        { kind: 'entry', key: 'nothing', value: { kind: 'scalar', scalar: { type: 'null' } } },
        { kind: 'entry', key: 'looks_numeric', value: s('0644') },
        { kind: 'entry', key: 'empty', value: s('') },
        { kind: 'entry', key: 'cert', value: s('line1\nline2\n') },
        {
          kind: 'entry',
          key: 'servers',
          value: {
            kind: 'list',
            items: [
              s('a'),
              { kind: 'comment', text: ' second' },
              { kind: 'map', items: [{ kind: 'entry', key: 'host', value: s('b') }, { kind: 'entry', key: 'tags', value: { kind: 'list', items: [] } }] },
            ],
          },
        },
        { kind: 'entry', key: 'nested', value: { kind: 'map', items: [{ kind: 'entry', key: 'deep', value: { kind: 'map', items: [] } }] } },
      ],
    };
    const out = yamlStore.emit({ documents: [root] });
    expect(out).toBe(
      [
        '# settings',
        'name: app',
        'port: 8080',
        'ratio: 1.0',
        'on: true',
        'nothing: null',
        'looks_numeric: "0644"',
        'empty: ""',
        'cert: |',
        '    line1',
        '    line2',
        'servers:',
        '    - a',
        '    # second',
        '    - host: b',
        '      tags: []',
        'nested:',
        '    deep: {}',
        '',
      ].join('\n'),
    );
    expect(trail(yamlStore.parse(out).file)).toEqual(trail({ documents: [root] }));
  });

  test('emitValue renders a subtree on its own', () => {
    const { file } = yamlStore.parse('db:\n  user: app\n  hosts: [a, b]\nport: 5432\n');
    expect(yamlStore.emitValue(entry(file, 'db').value)).toBe('user: app\nhosts:\n    - a\n    - b\n');
    expect(yamlStore.emitValue(entry(file, 'port').value)).toBe('5432\n');
  });

  test('an empty file parses to one empty document and takes a sops block', () => {
    const { file } = yamlStore.parse('');
    expect(file.documents).toHaveLength(1);
    expect(yamlStore.emit(file)).toBe('');
    expect(yamlStore.emit(file, { version: '3.9.0' })).toBe('sops:\n    version: 3.9.0\n');
  });

  test('block scalars keep their kind and indentation through encryption', () => {
    const text = 'a: |\n    two-space-more\n    second\nb: >+\n  folded\n\n\nc: x\n';
    const { file } = yamlStore.parse(text);
    fakeEncrypt(file);
    const out = yamlStore.emit(file);
    expect(out).toMatch(/^a: \|-\n {4}ENC\[[^\n]*\]\nb: >-\n {2}ENC\[[^\n]*\]\nc: ENC\[/);
  });
});

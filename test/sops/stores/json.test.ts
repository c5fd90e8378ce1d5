import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSealguardError } from '../../../src/shared/errors.js';
import { metadataFromObject, metadataToObject } from '../../../src/sops/metadata-codec.js';
import { jsonStore, quoteJsonString } from '../../../src/sops/stores/json.js';
import type { ListNode, MapNode, Scalar, TreeNode } from '../../../src/sops/tree.js';
import { readVector } from '../../helpers/sops-vectors.js';

function rootOf(text: string): MapNode {
  return jsonStore.parse(text).file.documents[0] as MapNode;
}

function scalarOf(text: string, key: string): Scalar {
  const e = rootOf(text).items.find((i) => i.kind === 'entry' && i.key === key);
  if (!e || e.kind !== 'entry' || e.value.kind !== 'scalar') throw new Error('no scalar');
  return e.value.scalar;
}

function inputError(text: string): { code: string; message: string; exitCode: number } {
  try {
    jsonStore.parse(text);
  } catch (e) {
    if (isSealguardError(e)) return e;
    throw e;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('parsing JSON like sops, without losing what JSON.parse loses', () => {
  it('keeps key order, even for keys that look like array indices', () => {
    const keys = rootOf('{"b": 1, "2": 2, "a": 3, "1": 4}').items.map((i) => (i.kind === 'entry' ? i.key : ''));
    expect(keys).toEqual(['b', '2', 'a', '1']);
  });

  it.each<[string, Scalar]>([
    ['1', { type: 'int', value: '1' }],
    ['-42', { type: 'int', value: '-42' }],
    ['1.0', { type: 'float', value: '1.0' }],
    ['1e2', { type: 'float', value: '1e2' }],
    ['25.4', { type: 'float', value: '25.4' }],
    ['9007199254740992', { type: 'int', value: '9007199254740992' }],
    // Beyond 2^53 sops (float64) would hash other digits: kept as float with the exact text.
    ['12345678901234567890', { type: 'float', value: '12345678901234567890' }],
    ['-0', { type: 'float', value: '-0' }],
    ['true', { type: 'bool', value: true }],
    ['null', { type: 'null' }],
    ['"x\\n\\u00e9\\ud83d\\udd11"', { type: 'str', value: 'x\né🔑' }],
  ])('%s is read as %j, its spelling kept', (json, expected) => {
    expect(scalarOf(`{"v": ${json}}`, 'v')).toEqual(expected);
  });

  it('takes the sops block out of the data and hands it over as a plain object', () => {
    const { file, metadata } = jsonStore.parse('{"a": "x", "sops": {"version": "3.9.0", "shamir_threshold": 2, "pgp": null}}');
    expect((file.documents[0] as MapNode).items).toHaveLength(1);
    expect(metadata).toEqual({ version: '3.9.0', shamir_threshold: 2, pgp: null });
  });

  it('a plaintext file has no metadata', () => {
    expect(jsonStore.parse('{"a": 1}').metadata).toBeUndefined();
  });

  it('a "__proto__" key in the metadata stays plain data', () => {
    const { metadata } = jsonStore.parse('{"sops": {"__proto__": {"polluted": true}}}');
    expect(Object.keys(metadata as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each<[string, string, RegExp]>([
    ['a top-level array', '[1, 2]', /line 1, column 1: the top level must be a JSON object/],
    ['an empty file', '  \n', /the file is empty/],
    ['trailing text', '{"a": 1} x', /line 1, column 10: unexpected text/],
    ['a missing comma', '{"a": 1\n "b": 2}', /line 2, column 2: expected ',' or '}'/],
    ['an unterminated string', '{"a": "hunter2', /line 1, column 7: unterminated string/],
    ['a bare word', '{"a": hunter2}', /line 1, column 7: expected a value/],
    ['a trailing comma', '{"a": 1,}', /expected a string key/],
    ['a raw newline in a string', '{"a": "x\ny"}', /control character/],
    ['a bad escape', '{"a": "\\x41"}', /invalid escape/],
    ['a "sops" key that is not an object', '{"sops": "x"}', /"sops" key must be an object/],
    ['two "sops" keys', '{"sops": {}, "sops": {}}', /more than once/],
  ])('%s is refused as invalid input with a position, exit 2, no value echoed', (_what, text, message) => {
    const e = inputError(text);
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('hunter2');
  });

  it('absurdly deep nesting is refused instead of overflowing the stack', () => {
    expect(inputError('{"a": ' + '['.repeat(5000) + ']'.repeat(5000) + '}').message).toMatch(/nested too deeply/);
  });
});

describe('writing JSON like sops', () => {
  it('res-format.enc.json parses and writes back byte for byte (tabs, ": ", sops block last, final newline)', async () => {
    const text = await readVector('res-format.enc.json');
    const { file, metadata } = jsonStore.parse(text);
    const meta = metadataToObject(metadataFromObject(metadata as Record<string, unknown>));
    expect(jsonStore.emit(file, meta)).toBe(text);
  });

  it('example.json data (lists of objects, empty string) writes back in the same shape', async () => {
    const text = await readVector('example.json');
    const { file } = jsonStore.parse(text);
    const data = text.slice(0, text.indexOf('\t"sops"')).replace(/,\n$/, '\n}\n');
    expect(jsonStore.emit(file)).toBe(data);
  });

  it('numbers keep the spelling they were read with', () => {
    const text = '{\n\t"a": 1.0,\n\t"b": 1e2,\n\t"c": 12345678901234567890,\n\t"d": -0\n}\n';
    expect(jsonStore.emit(jsonStore.parse(text).file)).toBe(text);
  });

  it('empty objects and arrays are written compactly', () => {
    expect(jsonStore.emit(jsonStore.parse('{"a": {}, "b": []}').file)).toBe('{\n\t"a": {},\n\t"b": []\n}\n');
    expect(jsonStore.emit({ documents: [{ kind: 'map', items: [] }] })).toBe('{}\n');
  });

  it.each([
    ['a<b>&c', '"a\\u003cb\\u003e\\u0026c"'],
    ['tab\tnl\ncr\r', '"tab\\tnl\\ncr\\r"'],
    ['\u0001\u001f', '"\\u0001\\u001f"'],
    ['\b\f', '"\\b\\f"'],
    ['quote " back \\', '"quote \\" back \\\\"'],
    ['line\u2028sep', '"line\\u2028sep"'],
    ['é🔑', '"é🔑"'],
    ['lone \ud800 surrogate', '"lone \\ufffd surrogate"'],
  ])('%j is escaped as Go json.Marshal does', (value, quoted) => {
    expect(quoteJsonString(value)).toBe(quoted);
  });

  it('scalars from other formats are written as valid JSON', () => {
    const map: MapNode = {
      kind: 'map',
      items: [
        { kind: 'entry', key: 'mode', value: { kind: 'scalar', scalar: { type: 'int', value: '0644' } } },
        { kind: 'entry', key: 'f', value: { kind: 'scalar', scalar: { type: 'float', value: '.5' } } },
        { kind: 'entry', key: 't', value: { kind: 'scalar', scalar: { type: 'time', value: '2024-01-02T03:04:05Z' } } },
        { kind: 'comment', text: ' comments do not exist in JSON' },
      ],
    };
    expect(jsonStore.emit({ documents: [map] })).toBe('{\n\t"mode": 644,\n\t"f": 0.5,\n\t"t": "2024-01-02T03:04:05Z"\n}\n');
  });

  it('NaN cannot be written as JSON', () => {
    const map: MapNode = { kind: 'map', items: [{ kind: 'entry', key: 'x', value: { kind: 'scalar', scalar: { type: 'float', value: 'NaN' } } }] };
    expect(() => jsonStore.emit({ documents: [map] })).toThrow(/NaN or Infinity/);
  });

  it('emitValue renders one subtree for --extract', () => {
    const root = rootOf('{"db": {"user": "u", "ports": [1, 2]}}');
    const db = (root.items[0] as { value: TreeNode }).value;
    expect(jsonStore.emitValue(db)).toBe('{\n\t"user": "u",\n\t"ports": [\n\t\t1,\n\t\t2\n\t]\n}');
    expect(jsonStore.emitValue({ kind: 'scalar', scalar: { type: 'str', value: 'x' } })).toBe('"x"');
  });
});

describe('property: emit then parse is the identity', () => {
  const scalarArb: fc.Arbitrary<Scalar> = fc.oneof(
    fc.string({ unit: 'grapheme' }).map((value) => ({ type: 'str', value }) as const),
    fc.integer().map((n) => ({ type: 'int', value: String(n) }) as const),
    fc.double({ noNaN: true, noDefaultInfinity: true, noInteger: true }).map((n) => ({ type: 'float', value: String(n) }) as const),
    fc.boolean().map((value) => ({ type: 'bool', value }) as const),
    fc.constant({ type: 'null' } as const),
  );
  const { map } = fc.letrec<{ node: TreeNode; map: MapNode; list: ListNode }>((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, scalarArb.map((scalar): TreeNode => ({ kind: 'scalar', scalar })), tie('map'), tie('list')),
    map: fc
      .array(fc.tuple(fc.string({ unit: 'grapheme' }).filter((k) => k !== 'sops'), tie('node')), { maxLength: 4 })
      .map((entries): MapNode => ({ kind: 'map', items: entries.map(([key, value]) => ({ kind: 'entry', key, value })) })),
    list: fc.array(tie('node'), { maxLength: 4 }).map((items): ListNode => ({ kind: 'list', items })),
  }));

  it('for random documents of every JSON scalar type, unicode keys and values', () => {
    fc.assert(
      fc.property(map, (root) => {
        const text = jsonStore.emit({ documents: [root] });
        expect(rootOf(text)).toEqual(root);
        expect(JSON.parse(text)).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });
});

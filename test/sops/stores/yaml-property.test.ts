import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { yamlStore } from '../../../src/sops/stores/yaml.js';
import type { MapEntry, ScalarNode } from '../../../src/sops/tree.js';

/** Every place a string can sit in a source file, each written in a different style. */
const TEMPLATE = [
  'plain: value',
  "single: 'value'",
  'double: "value"',
  'literal: |',
  '  value',
  'folded: >-',
  '  value',
  'flow: [value, \'value\', "value"]',
  'flowmap: {k: value}',
  'seq:',
  '  - value',
  '',
].join('\n');

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\t', ':', '#', "'", '"', '\\', ',', '[', '-', '&', '*', '!', '|', '>', '%', '@', '`', '{', '}', '?'), maxLength: 12 }),
  fc.constantFrom('true', 'null', '~', '0644', '1e3', '2024-01-01', '', ' lead', 'trail ', 'a\n\nb\n\n', '- x', ': y', 'ENC[AES256_GCM,data:QQ==,iv:AA==,tag:AA==,type:str]'),
);

/** The scalar nodes of the template, in document order. */
function leaves(root: { items: unknown[] }): ScalarNode[] {
  const out: ScalarNode[] = [];
  for (const item of root.items as MapEntry[]) {
    const v = item.value;
    if (v.kind === 'scalar') out.push(v);
    else if (v.kind === 'list') out.push(...(v.items.filter((x) => x.kind === 'scalar') as ScalarNode[]));
    else out.push(...(v.items as MapEntry[]).map((e) => e.value).filter((x): x is ScalarNode => x.kind === 'scalar'));
  }
  return out;
}

describe('changed values in any style read back as the value written', () => {
  test('random strings spliced into every scalar style parse back unchanged, the rest of the file untouched', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 10, maxLength: 10 }), (values) => {
        const { file } = yamlStore.parse(TEMPLATE);
        const slots = leaves(file.documents[0]!);
        expect(slots).toHaveLength(10);
        slots.forEach((slot, i) => (slot.scalar = { type: 'str', value: values[i]! }));
        const out = yamlStore.emit(file);
        const got = leaves(yamlStore.parse(out).file.documents[0]!).map((n) => (n.scalar.type === 'str' ? n.scalar.value : `<${n.scalar.type}>`));
        expect(got).toEqual(values);
        expect(out.split('\n').filter((l) => /^[a-z]+:/.test(l)).map((l) => l.split(':')[0])).toEqual([
          'plain', 'single', 'double', 'literal', 'folded', 'flow', 'flowmap', 'seq',
        ]);
      }),
      { numRuns: 300 },
    );
  });
});
